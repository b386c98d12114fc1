package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
)

// ioTimeout bounds each read mkqdisk makes.
const ioTimeout = 10 * time.Second

// create is mkqdisk -c DEVICE -l LABEL.
func (c *cli) create(ctx context.Context, o options) error {
	if err := quorumdisk.ValidateLabel(o.label); err != nil {
		return usageErrorf("-l: %v", err)
	}
	if o.cluster != "" {
		if err := quorumdisk.ValidateClusterName(o.cluster); err != nil {
			return usageErrorf("--cluster: %v", err)
		}
	}
	sd, err := loadSeed(&o)
	if err != nil {
		return err
	}
	if sd != nil && o.cluster == "" {
		if err := quorumdisk.ValidateClusterName(sd.name); err != nil {
			return fmt.Errorf("--config %s: its cluster name cannot be stamped on the disk: %w", o.config, err)
		}
		o.cluster = sd.name
	}
	if _, err := os.Stat(o.create); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist; give a block device, or create a file first: truncate -s 16M %s",
			o.create, o.create)
	}
	if err := c.checkOverwrite(o); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s left unchanged: %w", o.create, err)
	}
	h, err := quorumdisk.Create(o.create, o.label, o.cluster, c.log)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "mkqdisk: initialised quorum disk ")
	printHeader(c.stdout, o.create, h)
	if sd != nil {
		return c.store(o.create, sd)
	}
	return nil
}

// checkOverwrite refuses, without --force, to overwrite another quorum
// disk, a quorum disk whose slots look alive, a damaged quorum disk header
// or data that is not a quorum disk.
func (c *cli) checkOverwrite(o options) error {
	d, err := quorumdisk.OpenReadOnly(o.create, ioTimeout, c.log)
	if err == nil {
		defer d.Close()
		return c.force(o, existingProblem(d, o))
	}
	switch {
	case errors.Is(err, quorumdisk.ErrEmpty):
		return nil
	case errors.Is(err, quorumdisk.ErrBadMagic):
		return c.force(o, fmt.Sprintf("%s holds data that is not a quorum disk (a partition table or file system?)", o.create))
	case errors.Is(err, quorumdisk.ErrCorrupt), errors.Is(err, quorumdisk.ErrVersion):
		return c.force(o, fmt.Sprintf("%s holds a quorum disk header that cannot be used (%v)", o.create, err))
	}
	return err
}

// force turns a problem into an error, or, with --force, into a warning.
func (c *cli) force(o options, problem string) error {
	switch {
	case problem == "":
		return nil
	case o.force:
		fmt.Fprintf(c.stderr, "mkqdisk: warning: %s; overwriting it (--force)\n", problem)
		return nil
	}
	return fmt.Errorf("%s; pass --force to overwrite it", problem)
}

// existingProblem says why an existing quorum disk should not be
// overwritten ("" if it may be).
func existingProblem(d *quorumdisk.Disk, o options) string {
	h := d.Header()
	if h.Label != o.label || (h.Cluster != "" && o.cluster != "" && h.Cluster != o.cluster) {
		return fmt.Sprintf("%s already holds quorum disk %q of cluster %q (created %s by %s)",
			o.create, h.Label, h.Cluster, timeText(h.Created), h.CreatedBy)
	}
	res, err := d.ReadSlots(1, cluster.MaxNodes)
	if err != nil {
		return fmt.Sprintf("cannot read the slots of %s (%v)", o.create, err)
	}
	var live []string
	for _, r := range res {
		if r.Err == nil && isLive(r.Slot.State) {
			live = append(live, fmt.Sprintf("%d (%s)", r.Node, r.Slot.State))
		}
	}
	if len(live) > 0 {
		return fmt.Sprintf("quorum disk %s shows nodes %s as running; stop quorated on every node first",
			o.create, strings.Join(live, ", "))
	}
	return ""
}

func isLive(s cluster.NodeState) bool {
	return s == cluster.StateJoining || s == cluster.StateMember || s == cluster.StateMaster
}

// usageError is a bad option value; Run exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
