package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var t0 = time.Date(2026, 11, 25, 18, 1, 2, 0, time.UTC)

func sampleStatus() *api.Status {
	return &api.Status{
		Time:    t0,
		Cluster: api.ClusterInfo{Name: "demo", ConfigVersion: 3, Generation: 7},
		Quorum:  api.QuorumInfo{Quorate: true, Votes: 3, Expected: 4, Quorum: 3},
		Local:   "node1", LocalID: 1,
		Members: []api.Member{ // deliberately not in id order
			{Name: "node2", ID: 2, Votes: 1, State: "online", Network: true, Disk: true},
			{Name: "node1", ID: 1, Votes: 1, State: "online", Local: true, Master: true, Network: true, Disk: true},
			{Name: "node3", ID: 3, Votes: 1, State: "offline", Reason: "evicted, fenced"},
		},
		QuorumDisk: api.QuorumDisk{State: "online", Master: "node1", Label: "qdemo", Device: "/dev/loop0", Votes: 1},
		Services: []api.Service{
			{Name: "service:web", State: "started", Owner: "node2", LastOwner: "node1", Restarts: 2, LastTransition: t0.Add(-time.Hour)},
			{Name: "db", State: "stopped", LastOwner: "node1", LastTransition: t0.Add(-2 * time.Hour)},
			{Name: "service:mail", State: "started", Owner: "node1", LastOwner: "node1", Frozen: true, LastTransition: t0.Add(-3 * time.Hour)},
			{Name: "service:batch", State: "failed", LastOwner: "node3", Reason: "start failed: script exited 1"},
		},
		Fencing: []api.FenceEvent{
			{Node: "node3", Method: "1", Device: "ipmi-node3", Result: "pending", Started: t0.Add(-10 * time.Second)},
			{Node: "node3", Method: "1", Device: "ipmi-node3", Result: "failed", Started: t0.Add(-3 * time.Minute), DurationMS: 30000},
		},
	}
}

// fakeBackend serves a status; hook, if set, runs on every call with the
// call number (from 1) and may change the answer.
type fakeBackend struct {
	mu    sync.Mutex
	st    *api.Status
	err   error
	calls int
	hook  func(n int, b *fakeBackend)
}

func (f *fakeBackend) Status(ctx context.Context) (*api.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.hook != nil {
		f.hook(f.calls, f)
	}
	return f.st, f.err
}

// serve starts an api.Server for b on a fresh socket and returns its path.
func serve(t *testing.T, b api.Backend) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.sock")
	srv, err := api.NewServer(path, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Close() })
	return path
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, path string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"--socket", path}, args...), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func runStatus(t *testing.T, st *api.Status, args ...string) result {
	t.Helper()
	return run(t, serve(t, &fakeBackend{st: st}), args...)
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestTextGolden(t *testing.T) {
	inquorate := sampleStatus()
	inquorate.Quorum.Quorate = false
	inquorate.Fencing = nil
	inquorate.Services = nil
	cases := []struct {
		name string
		st   *api.Status
		args []string
		code int
	}{
		{"status", sampleStatus(), nil, 0},
		{"long", sampleStatus(), []string{"-l"}, 0},
		{"member", sampleStatus(), []string{"-m", "node2"}, 0},
		{"service", sampleStatus(), []string{"-s", "web"}, 0},
		{"member_service", sampleStatus(), []string{"-m", "node3", "-s", "service:db"}, 1},
		{"inquorate", inquorate, nil, 0},
		{"reservations", withReservations(), nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runStatus(t, tc.st, tc.args...)
			if r.code != tc.code || r.stderr != "" {
				t.Fatalf("exit %d (want %d), stderr %q", r.code, tc.code, r.stderr)
			}
			checkGolden(t, tc.name, r.stdout)
		})
	}
}

func TestTextLayout(t *testing.T) {
	out := runStatus(t, sampleStatus()).stdout
	for _, want := range []string{
		"Cluster Status for demo @ Wed Nov 25 18:01:02 2026\nMember Status: Quorate\n\n",
		" Member Name                             ID   Status\n",
		" node1                                       1 Online, Local, Master\n",
		" node3                                       3 Offline\n",
		" /dev/loop0 (label qdemo)                    0 Online, Quorum Disk\n",
		" service:db                     (node1)                        stopped\n",
		" service:mail                   node1                          started    [Z]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Members are listed by id, the quorum disk last.
	if i1, i2 := strings.Index(out, " node1 "), strings.Index(out, " node2 "); i1 > i2 {
		t.Error("node2 listed before node1")
	}
	for i, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(line, " ") || len([]rune(line)) > 80 {
			t.Errorf("line %d has trailing blanks or exceeds 80 columns: %q", i+1, line)
		}
	}
}

func TestXML(t *testing.T) {
	r := runStatus(t, sampleStatus(), "-x")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "<?xml version=\"1.0\"?>\n<clustat version=\"4.1.1\">") {
		t.Errorf("XML prologue: %q", r.stdout[:min(60, len(r.stdout))])
	}
	var doc xmlClustat
	if err := xml.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("parse XML: %v\n%s", err, r.stdout)
	}
	if *doc.Cluster != (xmlCluster{Name: "demo", Generation: 7}) {
		t.Errorf("cluster = %+v", *doc.Cluster)
	}
	if *doc.Quorum != (xmlQuorum{Quorate: 1, GroupMember: 1}) {
		t.Errorf("quorum = %+v", *doc.Quorum)
	}
	wantNodes := []xmlNode{
		{Name: "node1", State: 1, Local: 1, RGManager: 1, RGManagerMaster: 1, NodeID: "0x00000001"},
		{Name: "node2", State: 1, RGManager: 1, NodeID: "0x00000002"},
		{Name: "node3", NodeID: "0x00000003"},
		{Name: "/dev/loop0 (label qdemo)", State: 1, QDisk: 1, NodeID: "0x00000000"},
	}
	if !reflect.DeepEqual(doc.Nodes.Nodes, wantNodes) {
		t.Errorf("nodes:\n got %+v\nwant %+v", doc.Nodes.Nodes, wantNodes)
	}
	wantGroups := []xmlGroup{
		{Name: "service:batch", State: 114, StateStr: "failed", Owner: "none", LastOwner: "node3",
			LastTransitionStr: "Thu Jan  1 00:00:00 1970"},
		{Name: "service:db", State: 110, StateStr: "stopped", Owner: "none", LastOwner: "node1",
			LastTransition: t0.Add(-2 * time.Hour).Unix(), LastTransitionStr: "Wed Nov 25 16:01:02 2026"},
		{Name: "service:mail", State: 112, StateStr: "started", Flags: 1, FlagsStr: "frozen", Owner: "node1", LastOwner: "node1",
			LastTransition: t0.Add(-3 * time.Hour).Unix(), LastTransitionStr: "Wed Nov 25 15:01:02 2026"},
		{Name: "service:web", State: 112, StateStr: "started", Owner: "node2", LastOwner: "node1", Restarts: 2,
			LastTransition: t0.Add(-time.Hour).Unix(), LastTransitionStr: "Wed Nov 25 17:01:02 2026"},
	}
	if !reflect.DeepEqual(doc.Groups.Groups, wantGroups) {
		t.Errorf("groups:\n got %+v\nwant %+v", doc.Groups.Groups, wantGroups)
	}
}

func TestXMLSelection(t *testing.T) {
	r := runStatus(t, sampleStatus(), "-x", "-s", "db")
	if r.code != 110 {
		t.Errorf("-x -s db exit = %d, want 110", r.code)
	}
	var doc xmlClustat
	if err := xml.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Cluster != nil || doc.Quorum != nil || doc.Nodes != nil {
		t.Errorf("-s shows more than the service: %s", r.stdout)
	}
	if doc.Groups == nil || len(doc.Groups.Groups) != 1 || doc.Groups.Groups[0].Name != "service:db" {
		t.Errorf("-s db groups: %s", r.stdout)
	}
}

func TestJSON(t *testing.T) {
	want := sampleStatus()
	r := runStatus(t, want, "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "\n  \"cluster\": {") {
		t.Errorf("JSON is not indented:\n%s", r.stdout)
	}
	var got api.Status
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("JSON round trip:\n got %+v\nwant %+v", got, *want)
	}

	r = runStatus(t, sampleStatus(), "--json", "-m", "node3")
	got = api.Status{}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if r.code != 1 || len(got.Members) != 1 || got.Members[0].Name != "node3" || len(got.Services) != 0 {
		t.Errorf("--json -m node3: exit %d, members %+v, services %+v", r.code, got.Members, got.Services)
	}
}

func TestQuiet(t *testing.T) {
	st := sampleStatus()
	if r := runStatus(t, st, "-Q"); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("-Q quorate: %+v, want exit 0 and no output", r)
	}
	st.Quorum.Quorate = false
	if r := runStatus(t, st, "-Q"); r.code != 1 || r.stdout != "" || r.stderr != "" {
		t.Errorf("-Q inquorate: %+v, want exit 1 and no output", r)
	}
}

func TestServiceExitCodes(t *testing.T) {
	cases := map[string]int{
		"started": 0, "starting": 0, "stopping": 0,
		"stopped": 110, "failed": 114, "recovering": 118, "disabled": 119, "bogus": 115,
	}
	for state, want := range cases {
		st := sampleStatus()
		st.Services[0].State = state
		for _, name := range []string{"web", "service:web"} {
			if r := runStatus(t, st, "-s", name); r.code != want {
				t.Errorf("-s %s in state %s: exit %d, want %d (stderr %q)", name, state, r.code, want, r.stderr)
			}
		}
	}
	r := runStatus(t, sampleStatus(), "-s", "nosuch")
	if r.code != 1 || !strings.Contains(r.stderr, `service "service:nosuch" does not exist`) || r.stdout != "" {
		t.Errorf("-s nosuch: %+v", r)
	}
}

func TestMember(t *testing.T) {
	cases := []struct {
		name string
		code int
	}{
		{"node1", 0}, {"node2", 0}, {"node3", 1}, {"qdemo", 0}, {"/dev/loop0", 0},
	}
	for _, tc := range cases {
		r := runStatus(t, sampleStatus(), "-m", tc.name)
		if r.code != tc.code || r.stderr != "" {
			t.Errorf("-m %s: exit %d stderr %q, want %d", tc.name, r.code, r.stderr, tc.code)
		}
		if lines := strings.Count(r.stdout, "\n"); lines != 3 {
			t.Errorf("-m %s printed %d lines, want header, rule and one row:\n%s", tc.name, lines, r.stdout)
		}
	}
	st := sampleStatus()
	st.Members[0].State = "evicted"
	if r := runStatus(t, st, "-m", "node2"); r.code != 1 || !strings.Contains(r.stdout, " Evicted\n") {
		t.Errorf("-m evicted node2: %+v", r)
	}
	r := runStatus(t, sampleStatus(), "-m", "node9")
	if r.code != 1 || !strings.Contains(r.stderr, `member "node9" is not in the cluster`) || r.stdout != "" {
		t.Errorf("-m node9: %+v", r)
	}
}

func TestNodeIDAndVersion(t *testing.T) {
	st := sampleStatus()
	st.LocalID = 42
	if r := runStatus(t, st, "-I"); r.code != 0 || r.stdout != "0x0000002a\n" {
		t.Errorf("-I: %+v", r)
	}
	// -v needs no daemon.
	if r := run(t, filepath.Join(t.TempDir(), "none.sock"), "-v"); r.code != 0 || !strings.HasPrefix(r.stdout, "clustat version ") {
		t.Errorf("-v: %+v", r)
	}
}

func TestDaemonUnreachable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.sock")
	r := run(t, path, "-Q")
	if r.code != 1 || r.stdout != "" {
		t.Errorf("exit %d stdout %q, want 1 and nothing", r.code, r.stdout)
	}
	for _, want := range []string{path, "is quorated running", "QUORATE_SOCKET"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q lacks %q", r.stderr, want)
		}
	}
}

func TestDaemonError(t *testing.T) {
	path := serve(t, &fakeBackend{err: api.Errorf(api.CodeUnavailable, "quorated is still reading the quorum disk")})
	r := run(t, path)
	if r.code != 1 || r.stderr != "clustat: quorated is still reading the quorum disk\n" {
		t.Errorf("%+v", r)
	}
}

func TestSocketFromEnvironment(t *testing.T) {
	path := serve(t, &fakeBackend{st: sampleStatus()})
	t.Setenv(api.SocketEnv, path)
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"-Q"}, &out, &errb); code != 0 {
		t.Errorf("with %s=%s: exit %d, stderr %q", api.SocketEnv, path, code, errb.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-i", "2", "-x"}, {"-x", "-i", "2"}, {"-x", "--json"}, {"-i", "1", "--json"},
		{"-z"}, {"extra"}, {"-i", "soon"},
	} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), "usage: clustat") || out.Len() != 0 {
			t.Errorf("%q: exit %d stdout %q stderr %q, want 2 and usage on stderr", args, code, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"-h"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "usage: clustat") {
		t.Errorf("-h: exit %d stdout %q", code, out.String())
	}
}

func TestRefresh(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &fakeBackend{st: sampleStatus()}
	b.hook = func(n int, b *fakeBackend) {
		switch n {
		case 2: // the daemon hiccups: the error is drawn, clustat goes on
			b.err = api.Errorf(api.CodeUnavailable, "daemon restarting")
		case 3:
			b.err = nil
		case 4: // operator presses ^C
			cancel()
		}
	}
	path := serve(t, b)
	fired := make(chan time.Time)
	close(fired)
	var intervals []time.Duration
	after := func(d time.Duration) <-chan time.Time {
		intervals = append(intervals, d)
		return fired
	}
	var out, errb bytes.Buffer
	code := runWith(ctx, []string{"--socket", path, "-i", "2"}, &out, &errb, after)
	if code != 0 {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	frames := strings.Split(out.String(), clearScreen)
	if len(frames) != 4 || frames[0] != "" {
		t.Fatalf("want 3 frames each starting with a screen clear, got %d:\n%q", len(frames)-1, out.String())
	}
	if !strings.HasPrefix(frames[1], "Cluster Status for demo") || frames[1] != frames[3] {
		t.Errorf("frames 1 and 3 should both be the status:\n%s\n%s", frames[1], frames[3])
	}
	if frames[2] != "clustat: daemon restarting\n" {
		t.Errorf("frame 2 = %q, want the daemon's error", frames[2])
	}
	if !reflect.DeepEqual(intervals, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}) {
		t.Errorf("waited %v between frames, want 2s each", intervals)
	}
}

// withReservations is sampleStatus on a node with two fence_scsi LUNs,
// one of which it could not read.
func withReservations() *api.Status {
	st := sampleStatus()
	st.Reservations = []api.Reservation{
		{Device: "/dev/disk/by-id/wwn-0x6001405a", Key: "0xc8010001", State: "registered",
			Keys: []string{"0xc8010001", "0xc8010002"}, Holder: "0xc8010001", Type: "WERO", Checked: st.Time},
		{Device: "/dev/sdc", Key: "0xc8010001", State: "unknown", Error: "open /dev/sdc: no such file or directory"},
	}
	return st
}
