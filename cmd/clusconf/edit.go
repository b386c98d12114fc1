package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/quorate/quorate/conf"
)

// edit loads the -f file as an XML tree, lets change modify it (returning
// a one-line summary), raises config_version and commits the result.
func (r *runner) edit(cmd string, change func(root *xnode) (string, error)) error {
	file := r.opts.file
	orig, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist; start it with: clusconf -f %s create NAME", file, file)
	}
	if err != nil {
		return err
	}
	doc, err := loadTree(file, orig)
	if err != nil {
		return err
	}
	root := doc.root()
	version, err := configVersion(file, root)
	if err != nil {
		return err
	}
	summary, err := change(root)
	if err != nil {
		return err
	}
	root.set("config_version", strconv.FormatUint(version+1, 10))
	return r.commit(cmd, orig, true, doc.bytes(), fmt.Sprintf("%s; config_version %d -> %d", summary, version, version+1))
}

// loadTree parses a file for editing. XML the tree cannot hold is
// reported with conf's file:line message.
func loadTree(file string, data []byte) (*xnode, error) {
	doc, err := parseXML(data)
	if err != nil {
		if _, perr := conf.Parse(file, data); perr != nil {
			return nil, fmt.Errorf("%s cannot be edited until it is well-formed XML; fix it by hand:\n%w", file, perr)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if root := doc.root(); root.name != "cluster" {
		return nil, fmt.Errorf("%s: the root element is <%s>, not <cluster>; is it a cluster.conf?", file, root.name)
	}
	return doc, nil
}

// configVersion reads the version an edit raises.
func configVersion(file string, root *xnode) (uint64, error) {
	v, ok := root.get("config_version")
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if !ok || err != nil || n == 0 {
		return 0, fmt.Errorf(`%s: <cluster> has no valid config_version (%q); set config_version="N" by hand, N above the cluster's current version`, file, v)
	}
	return n, nil
}

// Problems conf reports for a file that is merely not finished yet: a
// new cluster without nodes or quorum disk. Edits may write such a file
// (with a warning), since it cannot be built in one step; validate and
// push refuse it.
var incompleteMsgs = []string{
	"quorum disk missing: no <quorumd>",
	"no <clusternodes>",
	"no <clusternode>",
}

// verdict classifies conf.Parse's result: invalid holds the problems that
// forbid writing, incomplete those that only mean "not finished".
type verdict struct {
	cluster             *conf.Cluster
	invalid, incomplete conf.ErrorList
	other               error // not an *ErrorList: cannot happen for in-memory data
}

func check(file string, data []byte) verdict {
	c, err := conf.Parse(file, data)
	if err == nil {
		return verdict{cluster: c}
	}
	var list *conf.ErrorList
	if !errors.As(err, &list) {
		return verdict{other: err}
	}
	var v verdict
	for _, e := range *list {
		if isIncomplete(e) {
			v.incomplete = append(v.incomplete, e)
		} else {
			v.invalid = append(v.invalid, e)
		}
	}
	return v
}

func isIncomplete(e *conf.Error) bool {
	for _, m := range incompleteMsgs {
		if e.Msg == m {
			return true
		}
	}
	return false
}

// commit validates out and writes it over the -f file (orig, which
// existed if existed), or with --dry-run prints the diff.
func (r *runner) commit(cmd string, orig []byte, existed bool, out []byte, summary string) error {
	file := r.opts.file
	v := check(file, out)
	if v.other != nil {
		return v.other
	}
	if r.opts.dryRun {
		fmt.Fprint(r.stdout, unifiedDiff(file, file+" (after "+cmd+")", orig, out))
	}
	if len(v.invalid) > 0 {
		fmt.Fprintf(r.stderr, "clusconf: %s: refused, %s is unchanged: the result would not be a valid cluster.conf "+
			"(line numbers are those of the result; --dry-run shows it):\n%v\n", cmd, file, v.invalid)
		return errReported
	}
	if r.opts.dryRun {
		fmt.Fprintf(r.stderr, "clusconf: %s: dry run, %s is unchanged: %s\n", cmd, file, summary)
		r.warnIncomplete(v)
		return nil
	}
	if err := writeAtomic(file, out, orig, existed); err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "%s: %s\n", file, summary)
	r.warnIncomplete(v)
	return nil
}

func (r *runner) warnIncomplete(v verdict) {
	if len(v.incomplete) > 0 {
		fmt.Fprintf(r.stderr, "clusconf: note: the configuration is not complete yet (validate and push refuse it until it is):\n%v\n", v.incomplete)
	}
}
