package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/quorate/quorate/quorumdisk"
)

// Env is the operating system as the boot sequence sees it. Every field
// is required.
type Env struct {
	// Scan lists the quorum disks on the block devices (quorumdisk.Scan).
	Scan func() ([]quorumdisk.Found, error)
	// ReadConfig reads the config area of the quorum disk at device,
	// read-only (quorumdisk.OpenReadOnly + Disk.ReadConfig).
	ReadConfig func(device string) (quorumdisk.ConfigRecord, error)
	// Identity reports the DHCP host names and addresses known now.
	Identity func() Identity
	// Run runs quorated with args until it exits or ctx ends.
	Run func(ctx context.Context, args []string) error
	// Sleep waits for d, or less when something changed (a disk may have
	// appeared), or until ctx ends (then it returns ctx.Err()).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is a monotonic clock.
	Now func() time.Time
}

// Boot is the appliance's life after the network is up; see the package
// documentation. Zero durations take the defaults.
type Boot struct {
	Params       Params
	Env          Env
	Log          *slog.Logger // nil = discard
	Root         string       // file system root for WriteFiles; "" on the appliance
	QuoratedPath string       // default /bin/quorated
	ConfPath     string       // default DefaultConfPath
	Socket       string       // quorated --socket; "" = its default

	RetryInterval time.Duration // between attempts that found no usable disk; default 5 s
	RepeatEvery   int           // print an unchanged problem again every this many attempts; default 12
	Backoff       Backoff       // after quorated exits quickly; default 1 s .. 30 s
	StableAfter   time.Duration // a run this long resets the backoff; default 60 s

	lastProblem string
	repeats     int
}

func (b *Boot) defaults() {
	if b.Log == nil {
		b.Log = slog.New(slog.DiscardHandler)
	}
	if b.QuoratedPath == "" {
		b.QuoratedPath = "/bin/quorated"
	}
	if b.ConfPath == "" {
		b.ConfPath = DefaultConfPath
	}
	if b.RetryInterval == 0 {
		b.RetryInterval = 5 * time.Second
	}
	if b.RepeatEvery == 0 {
		b.RepeatEvery = 12
	}
	if b.Backoff.Min == 0 {
		b.Backoff = Backoff{Min: time.Second, Max: 30 * time.Second}
	}
	if b.StableAfter == 0 {
		b.StableAfter = time.Minute
	}
}

// Run repeats Prepare and quorated until ctx ends, and returns ctx.Err().
func (b *Boot) Run(ctx context.Context) error {
	b.defaults()
	for ctx.Err() == nil {
		args, err := b.Prepare()
		if err != nil {
			b.problem(err)
			b.Env.Sleep(ctx, b.RetryInterval)
			continue
		}
		b.lastProblem = ""
		b.runOnce(ctx, args)
	}
	return ctx.Err()
}

// runOnce runs quorated once and waits the backoff delay after it exits.
func (b *Boot) runOnce(ctx context.Context, args []string) {
	b.Log.Info("starting quorated", "args", args)
	start := b.Env.Now()
	err := b.Env.Run(ctx, args)
	ran := b.Env.Now().Sub(start)
	if ctx.Err() != nil {
		return
	}
	if ran >= b.StableAfter {
		b.Backoff.Reset()
	}
	d := b.Backoff.Next()
	b.Log.Error("quorated exited; reading the quorum disk again and restarting it",
		"err", errText(err), "ran", ran.Round(time.Millisecond), "restart_in", d)
	b.Env.Sleep(ctx, d)
}

// problem prints why an attempt failed: at once when the reason changed,
// then again every RepeatEvery attempts.
func (b *Boot) problem(err error) {
	msg := err.Error()
	if msg == b.lastProblem && b.repeats%b.RepeatEvery != 0 {
		b.repeats++
		b.Log.Debug("still waiting", "reason", msg)
		return
	}
	if msg != b.lastProblem {
		b.repeats = 0
	}
	b.repeats++
	b.lastProblem = msg
	b.Log.Warn("not starting quorated: "+msg, "retry_in", b.RetryInterval)
}

// Prepare does steps 1 to 4 of the boot sequence short of starting
// quorated: find the disk, read and check its configuration, resolve the
// node name, write the files. It returns quorated's arguments.
func (b *Boot) Prepare() ([]string, error) {
	b.defaults()
	found, err := b.Env.Scan()
	if err != nil {
		return nil, fmt.Errorf("scanning block devices: %w", err)
	}
	disk, err := Choose(found, b.Params)
	if err != nil {
		return nil, err
	}
	rec, err := b.Env.ReadConfig(disk.Device)
	if err != nil {
		return nil, fmt.Errorf("reading the configuration from quorum disk %s (label %q): %w", disk.Device, b.Params.Label, err)
	}
	cfg, err := Check(disk, rec, b.Params)
	if err != nil {
		return nil, err
	}
	id := b.Env.Identity()
	id.CmdlineNode = b.Params.Node
	node, err := ResolveNode(cfg.Cluster, id)
	if err != nil {
		return nil, err
	}
	if err := WriteFiles(b.Root, b.ConfPath, cfg); err != nil {
		return nil, err
	}
	b.Log.Info("configuration read from the quorum disk", "device", disk.Device, "label", b.Params.Label,
		"cluster", cfg.Cluster.Name, "config_version", cfg.Cluster.ConfigVersion, "node", node)
	return b.args(node), nil
}

func (b *Boot) args(node string) []string {
	a := []string{b.QuoratedPath, "-c", b.ConfPath, "-n", node}
	if b.Socket != "" {
		a = append(a, "--socket", b.Socket)
	}
	return a
}

func errText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
