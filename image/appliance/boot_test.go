package appliance

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/quorumdisk"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func newBoot(t *testing.T, f *fakeEnv, p Params) (*Boot, context.Context) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.cancel = cancel
	if f.stopAfter == 0 {
		f.stopAfter = 3
	}
	return &Boot{Params: p, Env: f.env(), Root: t.TempDir(), QuoratedPath: "/bin/quorated"}, ctx
}

func TestBootStartsQuoratedWithDiskConfig(t *testing.T) {
	f := &fakeEnv{
		found:   []quorumdisk.Found{{Device: "/dev/vda", Header: header("labqd", "lab", 1)}},
		configs: map[string]quorumdisk.ConfigRecord{"/dev/vda": {Version: 1, Data: testConf("lab", 1, ""), Key: testKey}},
		id:      Identity{DHCPNames: []string{"node2"}},
		runFor:  2 * time.Minute,
	}
	b, ctx := newBoot(t, f, Params{Label: "labqd"})
	if err := b.Run(ctx); err != context.Canceled {
		t.Fatalf("Run = %v", err)
	}
	want := []string{"/bin/quorated", "-c", DefaultConfPath, "-n", "node2"}
	if len(f.runs) != 3 || !reflect.DeepEqual(f.runs[0], want) {
		t.Fatalf("runs %v, want 3 × %v", f.runs, want)
	}
	// Every run lasted longer than StableAfter: the delay stays at Min.
	if !reflect.DeepEqual(f.sleeps, []time.Duration{time.Second, time.Second, time.Second}) {
		t.Fatalf("sleeps %v", f.sleeps)
	}
	conf, err := os.ReadFile(filepath.Join(b.Root, DefaultConfPath))
	if err != nil || string(conf) != string(testConf("lab", 1, "")) {
		t.Fatalf("cluster.conf: %v %q", err, conf)
	}
	st, err := os.Stat(filepath.Join(b.Root, "/etc/cluster/authkey"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("authkey: %v %v", err, st)
	}
}

func TestBootBacksOffQuickExits(t *testing.T) {
	f := &fakeEnv{
		found:     []quorumdisk.Found{{Device: "/dev/vda", Header: header("labqd", "", 1)}},
		configs:   map[string]quorumdisk.ConfigRecord{"/dev/vda": {Version: 1, Data: testConf("lab", 1, ""), Key: testKey}},
		runFor:    time.Second,
		stopAfter: 6,
	}
	b, ctx := newBoot(t, f, Params{Label: "labqd", Node: "node1"})
	b.Run(ctx)
	want := []time.Duration{1, 2, 4, 8, 16, 30}
	for i := range want {
		if f.sleeps[i] != want[i]*time.Second {
			t.Fatalf("sleeps %v, want %v s", f.sleeps, want)
		}
	}
	if f.runs[0][4] != "node1" {
		t.Fatalf("node name from the command line: %v", f.runs[0])
	}
}

// A disk of another cluster is never handed to quorated and nothing is
// written; the problem is reported and retried.
func TestBootRefusesForeignDisk(t *testing.T) {
	f := &fakeEnv{
		found:     []quorumdisk.Found{{Device: "/dev/vda", Header: header("labqd", "prod", 1)}},
		configs:   map[string]quorumdisk.ConfigRecord{"/dev/vda": {Version: 1, Data: testConf("lab", 1, ""), Key: testKey}},
		stopAfter: 4,
	}
	var logs strings.Builder
	b, ctx := newBoot(t, f, Params{Label: "labqd", Node: "node1"})
	b.Log = newTextLogger(&logs)
	b.RepeatEvery = 3
	b.Run(ctx)
	if len(f.runs) != 0 {
		t.Fatalf("quorated started on a foreign disk: %v", f.runs)
	}
	if _, err := os.Stat(filepath.Join(b.Root, "etc")); !os.IsNotExist(err) {
		t.Fatalf("files written for a foreign disk: %v", err)
	}
	if !reflect.DeepEqual(f.sleeps, []time.Duration{5 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}) {
		t.Fatalf("retries %v", f.sleeps)
	}
	// Printed on the first attempt and again on the fourth (RepeatEvery 3).
	if n := strings.Count(logs.String(), "level=WARN"); n != 2 || !strings.Contains(logs.String(), "another cluster") {
		t.Fatalf("%d warnings:\n%s", n, logs.String())
	}
}

func TestBootWaitsForDisk(t *testing.T) {
	f := &fakeEnv{stopAfter: 2}
	var logs strings.Builder
	b, ctx := newBoot(t, f, Params{Label: "labqd"})
	b.Log = newTextLogger(&logs)
	b.Run(ctx)
	if len(f.runs) != 0 || len(f.reads) != 0 {
		t.Fatalf("runs %v reads %v without a disk", f.runs, f.reads)
	}
	if !strings.Contains(logs.String(), `no block device carries a quorum disk labelled \"labqd\"`) {
		t.Fatalf("console:\n%s", logs.String())
	}
	// The disk appears (a late iSCSI login): the next attempt uses it.
	f.found = []quorumdisk.Found{{Device: "/dev/sda", Header: header("labqd", "lab", 1)}}
	f.configs = map[string]quorumdisk.ConfigRecord{"/dev/sda": {Version: 1, Data: testConf("lab", 1, ""), Key: testKey}}
	f.id = Identity{DHCPNames: []string{"node3"}}
	args, err := b.Prepare()
	if err != nil || args[len(args)-1] != "node3" {
		t.Fatalf("Prepare = %v, %v", args, err)
	}
}
