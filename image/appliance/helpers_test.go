package appliance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/quorate/quorate/quorumdisk"
)

// testConf is a three-node cluster "lab" whose quorum disk is labelled
// "labqd"; extra goes inside <cluster>, replacing the default <quorumd>
// when it holds one.
func testConf(name string, version int, extra string) []byte {
	qd := `<quorumd label="labqd"/>`
	if strings.Contains(extra, "<quorumd") {
		qd = ""
	}
	return []byte(fmt.Sprintf(`<?xml version="1.0"?>
<cluster name=%q config_version="%d">
  %s%s
  <clusternodes>
    <clusternode name="node1" nodeid="1" addr="10.77.0.11"/>
    <clusternode name="node2" nodeid="2" addr="10.77.0.12"/>
    <clusternode name="node3" nodeid="3" addr="10.77.0.13:5405"/>
  </clusternodes>
</cluster>
`, name, version, qd, extra))
}

func header(label, cluster string, uuid byte) quorumdisk.Header {
	return quorumdisk.Header{Label: label, Cluster: cluster, UUID: quorumdisk.UUID{uuid}}
}

// fakeEnv is an Env whose disks, clock and quorated are simulated.
type fakeEnv struct {
	found   []quorumdisk.Found
	configs map[string]quorumdisk.ConfigRecord
	id      Identity
	now     time.Time
	sleeps  []time.Duration
	runs    [][]string
	runFor  time.Duration // how long each fake quorated run lasts
	// stopAfter cancels the context after this many sleeps.
	stopAfter int
	cancel    context.CancelFunc
	reads     []string
}

func (f *fakeEnv) env() Env {
	return Env{
		Scan: func() ([]quorumdisk.Found, error) { return f.found, nil },
		ReadConfig: func(dev string) (quorumdisk.ConfigRecord, error) {
			f.reads = append(f.reads, dev)
			rec, ok := f.configs[dev]
			if !ok {
				return rec, quorumdisk.ErrNoConfig
			}
			return rec, nil
		},
		Identity: func() Identity { return f.id },
		Run: func(ctx context.Context, args []string) error {
			f.runs = append(f.runs, args)
			f.now = f.now.Add(f.runFor)
			return fmt.Errorf("exit status 1")
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.sleeps = append(f.sleeps, d)
			f.now = f.now.Add(d)
			if len(f.sleeps) >= f.stopAfter {
				f.cancel()
			}
			return ctx.Err()
		},
		Now: func() time.Time { return f.now },
	}
}
