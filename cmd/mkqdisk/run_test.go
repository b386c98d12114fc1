package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
	"github.com/quorate/quorate/quorumdisk/qdtest"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func wantOutput(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestUsage(t *testing.T) {
	cases := map[string][]string{
		"nothing":         {},
		"two modes":       {"-L", "-d", "x"},
		"no label":        {"-c", "x"},
		"label without c": {"-L", "-l", "x"},
		"force without c": {"-d", "x", "--force"},
		"json with c":     {"-c", "x", "-l", "y", "--json"},
		"bad flag":        {"-x"},
		"extra argument":  {"-L", "junk"},
		"bad label":       {"-c", "x", "-l", "a b"},
		"bad cluster":     {"-c", "x", "-l", "a", "--cluster", strings.Repeat("c", 121)},
	}
	for name, args := range cases {
		code, stdout, stderr := run(t, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "mkqdisk") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
	}
	if code, _, stderr := run(t, "-h"); code != 0 || !strings.Contains(stderr, "mkqdisk -c DEVICE -l LABEL") {
		t.Errorf("-h: exit %d, %q", code, stderr)
	}
}

func newDevice(t *testing.T) string {
	return qdtest.NewDeviceFile(t, 16<<20)
}

func TestCreate(t *testing.T) {
	dev := newDevice(t)
	code, stdout, stderr := run(t, "-c", dev, "-l", "qd1", "--cluster", "alpha")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	wantOutput(t, "mkqdisk -c", stdout, "initialised quorum disk "+dev+":\n",
		"\tLabel:          qd1\n", "\tCluster:        alpha\n", "\tSector size:    512\n", "\tSlots:          256\n")
	d, err := quorumdisk.Open(dev, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h := d.Header()
	if h.Label != "qd1" || h.Cluster != "alpha" || !strings.Contains(stdout, h.UUID.String()) {
		t.Errorf("header on disk %+v", h)
	}
	// Same label and cluster, no live slots: re-initialising is allowed.
	if code, _, stderr := run(t, "-c", dev, "-l", "qd1"); code != 0 {
		t.Errorf("re-initialise: exit %d: %s", code, stderr)
	}
}

func TestCreateRefuses(t *testing.T) {
	dev := newDevice(t)
	if code, _, stderr := run(t, "-c", dev, "-l", "qd1", "--cluster", "alpha"); code != 0 {
		t.Fatal(stderr)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"other label", []string{"-l", "qd2"}, `already holds quorum disk "qd1" of cluster "alpha"`},
		{"other cluster", []string{"-l", "qd1", "--cluster", "beta"}, `already holds quorum disk "qd1" of cluster "alpha"`},
	}
	for _, c := range cases {
		code, _, stderr := run(t, append([]string{"-c", dev}, c.args...)...)
		if code != 1 || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "--force") {
			t.Errorf("%s: exit %d: %s", c.name, code, stderr)
		}
	}
	code, _, stderr := run(t, "-c", dev, "-l", "qd2", "--force")
	if code != 0 || !strings.Contains(stderr, "warning") {
		t.Errorf("--force: exit %d: %s", code, stderr)
	}
}

func TestCreateRefusesLiveSlots(t *testing.T) {
	dev := newDevice(t)
	if code, _, stderr := run(t, "-c", dev, "-l", "qd1"); code != 0 {
		t.Fatal(stderr)
	}
	writeSlots(t, dev, master(1), &cluster.Slot{Node: 2, Seq: 1, State: cluster.StateMember},
		&cluster.Slot{Node: 3, Seq: 1, State: cluster.StateLeaving})
	code, _, stderr := run(t, "-c", dev, "-l", "qd1")
	if code != 1 || !strings.Contains(stderr, "nodes 1 (master), 2 (member) as running") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func TestCreateRefusesOtherData(t *testing.T) {
	dev := newDevice(t)
	writeRaw(t, dev, 0, []byte("\xebX\x90mkfs.fat"))
	code, _, stderr := run(t, "-c", dev, "-l", "qd1")
	if code != 1 || !strings.Contains(stderr, "not a quorum disk") {
		t.Errorf("foreign data: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, "-c", dev, "-l", "qd1", "--force"); code != 0 {
		t.Errorf("--force: exit %d: %s", code, stderr)
	}
	writeRaw(t, dev, 200, []byte("torn")) // damage our own header
	code, _, stderr = run(t, "-c", dev, "-l", "qd1")
	if code != 1 || !strings.Contains(stderr, "checksum mismatch") {
		t.Errorf("damaged header: exit %d: %s", code, stderr)
	}
}

func TestCreateErrors(t *testing.T) {
	small := qdtest.NewDeviceFile(t, 1<<20)
	code, _, stderr := run(t, "-c", small, "-l", "qd1")
	if code != 1 || !strings.Contains(stderr, small) || !strings.Contains(stderr, "6 MiB") {
		t.Errorf("small: exit %d: %s", code, stderr)
	}
	missing := t.TempDir() + "/nope"
	code, _, stderr = run(t, "-c", missing, "-l", "qd1")
	if code != 1 || !strings.Contains(stderr, "truncate -s 16M "+missing) {
		t.Errorf("missing: exit %d: %s", code, stderr)
	}
}

func master(n cluster.NodeID) *cluster.Slot {
	return &cluster.Slot{Node: n, Incarnation: 0xabcdef, Seq: 42, State: cluster.StateMaster, ConfigVersion: 7,
		NetView: cluster.SetOf(1, 2, 3),
		Ballot:  cluster.Ballot{Lver: 3, Mbal: 5, Bal: 5, Owner: n, OwnerIncarnation: 0xabcdef},
		Master: &cluster.MasterRecord{Generation: 3, Members: cluster.SetOf(1, 2), Quorate: true, Votes: 3, Expected: 3,
			Evictions: []cluster.Eviction{{Node: 3, Incarnation: 0x42, Reason: cluster.EvictPartition}}},
		Note: "evicted node 3"}
}

func writeSlots(t *testing.T, dev string, slots ...*cluster.Slot) {
	t.Helper()
	d, err := quorumdisk.Open(dev, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, s := range slots {
		if err := d.WriteSlot(s); err != nil {
			t.Fatal(err)
		}
	}
}

func writeRaw(t *testing.T, path string, off int64, p []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(p, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

// dumpDevice is a quorum disk with a master's slot, a member's slot, a
// torn slot (7) and a slot left from an earlier initialisation (9).
func dumpDevice(t *testing.T) string {
	dev := newDevice(t)
	if code, _, stderr := run(t, "-c", dev, "-l", "qd1", "--cluster", "alpha"); code != 0 {
		t.Fatal(stderr)
	}
	writeSlots(t, dev, master(1), &cluster.Slot{Node: 2, Incarnation: 7, Seq: 9, State: cluster.StateMember},
		&cluster.Slot{Node: 7, Seq: 1})
	writeRaw(t, dev, quorumdisk.SlotCopyOffset(2, 1)+1000, []byte{1}) // a copy that was never written: garbage
	writeRaw(t, dev, quorumdisk.SlotCopyOffset(7, 0)+1000, []byte{1}) // its one write, torn,
	writeRaw(t, dev, quorumdisk.SlotCopyOffset(7, 1)+1000, []byte{1}) // and garbage in the other copy
	stale := quorumdisk.AlignedBuffer(quorumdisk.BlockSize)
	if err := quorumdisk.EncodeSlot(stale, quorumdisk.UUID{1}, &cluster.Slot{Node: 9}); err != nil {
		t.Fatal(err)
	}
	writeRaw(t, dev, quorumdisk.SlotOffset(9), stale)
	return dev
}

func TestDump(t *testing.T) {
	dev := dumpDevice(t)
	code, stdout, stderr := run(t, "-d", dev)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	wantOutput(t, "mkqdisk -d", stdout,
		dev+":\n\tLabel:          qd1\n\tCluster:        alpha\n",
		"\tDevice size:    16777216 bytes, sector size 512\n",
		"Node 1:\n\tState:          master\n\tIncarnation:    0x0000000000abcdef\n\tSeq:            42\n"+
			"\tConfig version: 7\n\tNet view:       {1,2,3}\n"+
			"\tBallot:         lver 3, mbal 5, bal 5, owner 1 (incarnation 0x0000000000abcdef)\n"+
			"\tMaster record:  generation 3, members {1,2}, quorate, votes 3 of 3 expected\n"+
			"\tEviction:       node 3 (incarnation 0x0000000000000042): network partition\n"+
			"\tNote:           \"evicted node 3\"\n",
		"Node 2:\n\tState:          member\n",
		"\tWarning:        one copy is damaged (corrupt block: bad magic",
		"Node 7: CORRUPT: corrupt block: checksum mismatch",
		"Node 9: STALE: stale block from an earlier initialisation",
		"Slots: 2 written, 1 corrupt, 1 stale, 252 empty\n")
	if strings.Contains(stdout, "Node 3:") {
		t.Error("empty slot 3 was printed")
	}
}

func TestDumpJSON(t *testing.T) {
	dev := dumpDevice(t)
	code, stdout, stderr := run(t, "-d", dev, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got dumpJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if got.Header.Label != "qd1" || got.Header.Cluster != "alpha" || got.DeviceSize != 16<<20 || len(got.Slots) != 4 {
		t.Fatalf("dump %+v", got)
	}
	s1, s7, s9 := got.Slots[0], got.Slots[2], got.Slots[3]
	if s1.Node != 1 || s1.Status != "ok" || s1.State != "master" || s1.Incarnation != "0x0000000000abcdef" ||
		s1.Master == nil || s1.Master.Generation != 3 || len(s1.Master.Evictions) != 1 ||
		s1.Master.Evictions[0].Reason != "network partition" || len(s1.NetView) != 3 {
		t.Errorf("slot 1: %+v %+v", s1, s1.SlotBody)
	}
	if s7.Node != 7 || s7.Status != "corrupt" || s7.SlotBody != nil || !strings.Contains(s7.Error, "checksum") {
		t.Errorf("slot 7: %+v", s7)
	}
	if s9.Node != 9 || s9.Status != "stale" {
		t.Errorf("slot 9: %+v", s9)
	}
	if got.Summary != (summary{Written: 2, Corrupt: 1, Stale: 1, Empty: 252}) {
		t.Errorf("summary %+v", got.Summary)
	}
}

func TestDumpNotAQuorumDisk(t *testing.T) {
	dev := newDevice(t)
	code, stdout, stderr := run(t, "-d", dev)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "is not a quorum disk") ||
		!strings.Contains(stderr, "mkqdisk -c "+dev) {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func fakeScan(t *testing.T, found ...quorumdisk.Found) {
	old := scanDevices
	scanDevices = func(*slog.Logger) ([]quorumdisk.Found, error) { return found, nil }
	t.Cleanup(func() { scanDevices = old })
}

func TestListAndFind(t *testing.T) {
	h := quorumdisk.Header{FormatVersion: 1, BlockSize: 4096, SectorSize: 4096, SlotCount: 256,
		UUID: quorumdisk.UUID{0xab}, Label: "qd1", Cluster: "alpha",
		Created: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), CreatedBy: "node1"}
	fakeScan(t, quorumdisk.Found{Device: "/dev/sdb", Header: h},
		quorumdisk.Found{Device: "/dev/sdc", Err: quorumdisk.ErrChecksum})
	code, stdout, _ := run(t, "-L")
	if code != 0 {
		t.Fatal(code)
	}
	wantOutput(t, "mkqdisk -L", stdout, "/dev/sdb:\n\tLabel:          qd1\n\tCluster:        alpha\n"+
		"\tUUID:           ab000000-0000-0000-0000-000000000000\n\tFormat version: 1\n\tSector size:    4096\n",
		"\tCreated:        2026-05-01T12:00:00Z\n\tCreated by:     node1\n",
		"\n/dev/sdc:\n\tunusable quorum disk header: corrupt block: checksum mismatch\n")

	code, stdout, _ = run(t, "-L", "--json")
	var list []headerJSON
	if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil || len(list) != 2 ||
		list[0].UUID != h.UUID || list[0].SectorSize != 4096 || list[1].Error == "" {
		t.Errorf("-L --json: exit %d, %v: %s", code, err, stdout)
	}

	if code, stdout, _ = run(t, "-f", "qd1"); code != 0 || stdout != "/dev/sdb\n" {
		t.Errorf("-f qd1: exit %d: %q", code, stdout)
	}
	code, stdout, stderr := run(t, "-f", "qd9")
	if code != 1 || stdout != "" || !strings.Contains(stderr, `no quorum disk with label "qd9"`) {
		t.Errorf("-f qd9: exit %d: %q", code, stderr)
	}
}

func TestListNothing(t *testing.T) {
	fakeScan(t)
	code, stdout, stderr := run(t, "-L")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "no quorum disks found") {
		t.Errorf("exit %d %q %q", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, "-L", "--json"); code != 0 || stdout != "[]\n" {
		t.Errorf("--json: exit %d %q", code, stdout)
	}
}
