package fencer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

// scsiCluster is cluster "alpha" with nodes n1..n3, each fenced by
// fence_scsi on devs (method "scsi") and unfenced by it; extra goes into
// <fencedevices>, refAttrs onto every node's <device>.
func scsiCluster(t *testing.T, devs, refAttrs, extra string) *conf.Cluster {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<cluster name="alpha" config_version="1"><quorumd label="q" interval="0.5" tko="4"/><clusternodes>`)
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, `<clusternode name="n%d" nodeid="%d" addr="10.0.0.%d"><fence><method name="scsi"><device name="san" %s/></method></fence><unfence><device name="san" %s/></unfence></clusternode>`,
			i, i, i, refAttrs, refAttrs)
	}
	fmt.Fprintf(&b, `</clusternodes><fencedevices><fencedevice name="san" agent="fence_scsi" devices=%q/>%s</fencedevices></cluster>`, devs, extra)
	c, err := conf.Parse("cluster.conf", []byte(b.String()))
	if err != nil {
		t.Fatalf("test cluster.conf: %v", err)
	}
	return c
}

// sanLab is one software LUN per device path, shared by three nodes:
// node i reaches every LUN through its own nexus i.
type sanLab struct{ luns map[string]*lun }

func newSANLab(paths ...string) *sanLab {
	s := &sanLab{luns: map[string]*lun{}}
	for _, p := range paths {
		s.luns[p] = newLUN()
	}
	return s
}

// fencer is node id's Fencer ("n<id>"), reaching the LUNs through nexus id.
func (s *sanLab) fencer(t *testing.T, id int) *Fencer {
	f, _ := testFencer(t, Options{Self: fmt.Sprintf("n%d", id), OpenSG: func(path string) (SGIO, error) {
		l, ok := s.luns[path]
		if !ok {
			return nil, fmt.Errorf("open %s: no such device", path)
		}
		return l.nexus(id), nil
	}})
	return f
}

func (s *sanLab) keys(path string) []PRKey {
	k, _ := (&PR{Dev: s.luns[path].nexus(99)}).ReadKeys()
	return k.Keys
}

func key(t *testing.T, id int) PRKey {
	t.Helper()
	k, err := KeyFor("alpha", id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// unfenceAll registers every node through its own Fencer's Unfence.
func unfenceAll(t *testing.T, s *sanLab, c *conf.Cluster) {
	t.Helper()
	for i := 1; i <= 3; i++ {
		out := s.fencer(t, i).Unfence(context.Background(), Request{Node: &c.Nodes[i-1], Cluster: c})
		if !out.Success {
			t.Fatalf("unfencing n%d: %+v", i, out)
		}
	}
}

func TestFenceSCSIOffPreemptsOnEveryDevice(t *testing.T) {
	for _, rejectPA := range []bool{false, true} {
		t.Run(fmt.Sprintf("rejectPreemptAndAbort=%v", rejectPA), func(t *testing.T) {
			s := newSANLab("/dev/sdb", "/dev/sdc")
			for _, l := range s.luns {
				l.rejectPA = rejectPA
			}
			c := scsiCluster(t, "/dev/sdb,/dev/sdc", "", "")
			unfenceAll(t, s, c)
			want := fmt.Sprint([]PRKey{key(t, 1), key(t, 2), key(t, 3)})
			for _, p := range []string{"/dev/sdb", "/dev/sdc"} {
				if got := fmt.Sprint(s.keys(p)); got != want {
					t.Fatalf("%s keys after unfencing = %s, want %s", p, got, want)
				}
			}
			if err := (&PR{Dev: s.luns["/dev/sdb"].nexus(1)}).Reserve(key(t, 1)); err != nil {
				t.Fatal(err)
			}
			out := s.fencer(t, 3).Fence(context.Background(), Request{Node: &c.Nodes[0], Cluster: c})
			if !out.Success || len(out.Attempts) != 1 {
				t.Fatalf("fencing n1 from n3: %+v", out)
			}
			a := out.Attempts[0]
			if a.Action != ActionOff || a.Agent != "fence_scsi" || a.Status != Off {
				t.Errorf("attempt = %+v; want off (fence_scsi is a fabric agent), verified off", a)
			}
			used := "PREEMPT AND ABORT removed"
			if rejectPA {
				used = "PREEMPT removed"
			}
			if strings.Count(a.Output, used) != 2 || !strings.Contains(a.Output, "/dev/sdc:") {
				t.Errorf("output does not show %q on both devices:\n%s", used, a.Output)
			}
			want = fmt.Sprint([]PRKey{key(t, 2), key(t, 3)})
			for _, p := range []string{"/dev/sdb", "/dev/sdc"} {
				if got := fmt.Sprint(s.keys(p)); got != want {
					t.Errorf("%s keys after the fence = %s, want %s", p, got, want)
				}
			}
			// The preempter took over n1's reservation on sdb, and took
			// one on sdc, which had none (an unreserved LUN lets the
			// fenced node write); n1 can no longer reserve.
			for _, p := range []string{"/dev/sdb", "/dev/sdc"} {
				r, _ := (&PR{Dev: s.luns[p].nexus(3)}).ReadReservation()
				if !r.Reserved || r.Key != key(t, 3) || r.Type != PRWriteExclusiveRegistrants {
					t.Errorf("%s reservation after the fence = %+v, want WERO held by n3's key", p, r)
				}
			}
			if !strings.Contains(a.Output, "/dev/sdc: there was no reservation; now WERO held by 0x2c170003") {
				t.Errorf("output does not show the reservation taken on /dev/sdc:\n%s", a.Output)
			}
			if err := (&PR{Dev: s.luns["/dev/sdb"].nexus(1)}).Reserve(key(t, 1)); !errors.Is(err, ErrReservationConflict) {
				t.Errorf("fenced n1 reserving = %v, want RESERVATION CONFLICT", err)
			}
			// Fencing it again finds the key gone and succeeds at once.
			again := s.fencer(t, 2).Fence(context.Background(), Request{Node: &c.Nodes[0], Cluster: c})
			if !again.Success || !strings.Contains(again.Attempts[0].Output, "key 0x2c170001 of n1 is not registered") {
				t.Errorf("second fence = %+v", again)
			}
		})
	}
}

func TestFenceSCSIRefusals(t *testing.T) {
	s := newSANLab("/dev/sdb")
	c := scsiCluster(t, "/dev/sdb", "", "")
	f1 := s.fencer(t, 1)
	// n1 is not registered yet: it cannot preempt anybody.
	must(t, (&PR{Dev: s.luns["/dev/sdb"].nexus(2)}).Register(key(t, 2)))
	out := f1.Fence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c})
	if out.Success || !strings.Contains(out.Err, "this node's key 0x2c170001 is not registered on /dev/sdb, so it cannot fence n2 there") {
		t.Errorf("fence from an unregistered node = %+v", out)
	}
	// Nobody fences itself, and nobody registers another node.
	out = f1.Fence(context.Background(), Request{Node: &c.Nodes[0], Cluster: c})
	if out.Success || !strings.Contains(out.Err, "will not fence n1 from n1 itself") {
		t.Errorf("self-fence = %+v", out)
	}
	out = f1.Unfence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c})
	if out.Success || !strings.Contains(out.Err, "registers only the node it runs on; unfence n2 on n2 itself") {
		t.Errorf("unfencing another node = %+v", out)
	}
	if got := fmt.Sprint(s.keys("/dev/sdb")); got != fmt.Sprint([]PRKey{key(t, 2)}) {
		t.Errorf("keys = %s, want only n2's: a refused request must not touch the LUN", got)
	}
	// fence_scsi cannot reboot: a configuration error, not an attempt on the device.
	out = f1.Fence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c, Action: ActionReboot})
	if out.Success || !strings.Contains(out.Err, "fabric agent") {
		t.Errorf("reboot = %+v", out)
	}
	// A Fencer that does not know its node has no key to preempt with.
	anon, _ := testFencer(t, Options{OpenSG: func(string) (SGIO, error) { return s.luns["/dev/sdb"].nexus(1), nil }})
	if out := anon.Fence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c}); out.Success || !strings.Contains(out.Err, "Options.Self") {
		t.Errorf("fence without Self = %+v", out)
	}
}

func TestFenceSCSIMethodFailsUnlessEveryDeviceDoes(t *testing.T) {
	s := newSANLab("/dev/sdb") // /dev/sdc does not exist on this node
	c := scsiCluster(t, "/dev/sdb,/dev/sdc", "", "")
	for i := 1; i <= 2; i++ {
		must(t, (&PR{Dev: s.luns["/dev/sdb"].nexus(i)}).Register(key(t, i)))
	}
	out := s.fencer(t, 1).Fence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c, Action: ActionOff})
	if out.Success || !strings.Contains(out.Err, "fence_scsi /dev/sdc") || !strings.Contains(out.Err, ErrUnreachable.Error()) {
		t.Fatalf("fence with a missing device = %+v", out)
	}
	// The device that answered was still fenced: every device is tried.
	if got := fmt.Sprint(s.keys("/dev/sdb")); got != fmt.Sprint([]PRKey{key(t, 1)}) {
		t.Errorf("/dev/sdb keys = %s, want n2's preempted anyway", got)
	}
}

func TestFenceSCSIStatus(t *testing.T) {
	s := newSANLab("/dev/sdb", "/dev/sdc")
	c := scsiCluster(t, "/dev/sdb,/dev/sdc", "", "")
	f := s.fencer(t, 1)
	status := func() Outcome {
		return f.Fence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c, Action: ActionStatus})
	}
	if out := status(); !out.Success || out.Attempts[0].Status != Off {
		t.Errorf("unregistered: %+v, want off", out)
	}
	must(t, (&PR{Dev: s.luns["/dev/sdb"].nexus(2)}).Register(key(t, 2)))
	if out := status(); out.Success || !strings.Contains(out.Err, "registered on /dev/sdb but not on /dev/sdc") {
		t.Errorf("registered on one device: %+v, want an error naming both", out)
	}
	must(t, (&PR{Dev: s.luns["/dev/sdc"].nexus(2)}).Register(key(t, 2)))
	if out := status(); !out.Success || out.Attempts[0].Status != On {
		t.Errorf("registered everywhere: %+v, want on", out)
	}
}

func TestFenceSCSIExplicitKeys(t *testing.T) {
	s := newSANLab("/dev/sdb")
	text := `<cluster name="alpha" config_version="1"><quorumd label="q"/><clusternodes>
	  <clusternode name="n1" nodeid="1"><fence><method name="m"><device name="san" key="a1"/></method></fence></clusternode>
	  <clusternode name="n2" nodeid="2"><fence><method name="m"><device name="san" key="a2"/></method></fence><unfence><device name="san" key="a2"/></unfence></clusternode>
	</clusternodes><fencedevices><fencedevice name="san" agent="fence_scsi" devices="/dev/sdb" aptpl="1"/></fencedevices></cluster>`
	c, err := conf.Parse("cluster.conf", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if out := s.fencer(t, 2).Unfence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c}); !out.Success {
		t.Fatalf("unfence n2: %+v", out)
	}
	must(t, (&PR{Dev: s.luns["/dev/sdb"].nexus(1)}).Register(0xa1))
	if got := fmt.Sprint(s.keys("/dev/sdb")); got != "[0xa1 0xa2]" {
		t.Fatalf("keys = %s", got)
	}
	if out := s.fencer(t, 1).Fence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c}); !out.Success {
		t.Fatalf("n1 fencing n2 with explicit keys: %+v", out)
	}
	if got := fmt.Sprint(s.keys("/dev/sdb")); got != "[0xa1]" {
		t.Errorf("keys after the fence = %s, want [0xa1]", got)
	}
	cfg, ok, err := LocalSCSI(c, &c.Nodes[1])
	if !ok || err != nil || cfg.Key != 0xa2 || !cfg.APTPL || fmt.Sprint(cfg.Devices) != "[/dev/sdb]" {
		t.Errorf("LocalSCSI(n2) = %+v, %v, %v", cfg, ok, err)
	}
}

func TestLocalSCSI(t *testing.T) {
	c := scsiCluster(t, "/dev/sdb", `devices="/dev/sdb,/dev/sdc"`,
		`<fencedevice name="ipmi" agent="fence_ipmilan" ipaddr="10.0.1.1" login="a" passwd="p"/>`)
	cfg, ok, err := LocalSCSI(c, &c.Nodes[1])
	if !ok || err != nil || cfg.Key != key(t, 2) || fmt.Sprint(cfg.Devices) != "[/dev/sdb /dev/sdc]" {
		t.Errorf("LocalSCSI = %+v, %v, %v", cfg, ok, err)
	}
	if cfg.Interval != 2*time.Second { // interval 0.5 × tko 4
		t.Errorf("interval = %v, want 2s derived from <quorumd>", cfg.Interval)
	}
	c = scsiCluster(t, "/dev/sdb", `check_interval="0.3"`, "")
	if cfg, _, _ := LocalSCSI(c, &c.Nodes[0]); cfg.Interval != 300*time.Millisecond {
		t.Errorf("interval = %v, want check_interval 0.3s", cfg.Interval)
	}
	plain := cluster(t, `<fence><method name="1"><device name="ok"/></method></fence>`, `<fencedevice name="ok" agent="fence_test_ok"/>`)
	if _, ok, err := LocalSCSI(plain, node1(plain)); ok || err != nil {
		t.Errorf("node without fence_scsi: ok=%v err=%v", ok, err)
	}
}

func TestFenceSCSIValidate(t *testing.T) {
	// conf refuses these at parse time; a Fencer given such a
	// configuration anyway (built by hand) still refuses to act on it.
	c := scsiCluster(t, "/dev/sdb", "", "")
	c.FenceDevices[0].Params = map[string]string{"native": "0", "devices": "/dev/sdb"}
	s := newSANLab("/dev/sdb")
	f := s.fencer(t, 1)
	errs := f.Validate(c)
	if len(errs) != 6 || !strings.Contains(errs[0].Error(), `native="0"`) || !strings.Contains(errs[0].Error(), "corosync") {
		t.Errorf("Validate with native=0 = %v", errs)
	}
	for params, want := range map[string]string{
		"":               "fence_scsi needs devices=",
		"devices=sdb":    `device "sdb" is not an absolute, clean path`,
		"key=0":          `key="0" is 0`,
		"delay=soon":     `delay="soon" is not a number of seconds`,
		"action=reboot":  "fabric agent",
		"action=status ": "does not fence",
	} {
		p := map[string]string{"devices": "/dev/sdb"}
		for _, kv := range strings.Fields(params) {
			k, v, _ := strings.Cut(kv, "=")
			p[k] = v
		}
		if params == "" {
			delete(p, "devices")
		}
		c.FenceDevices[0].Params = p
		errs := f.Validate(c)
		var ce *ConfigError
		if len(errs) == 0 || !errors.As(errs[0], &ce) || !strings.Contains(errs[0].Error(), want) {
			t.Errorf("params %q: Validate = %v, want a *ConfigError containing %q", params, errs, want)
		}
	}
}

// hangingSG never answers.
type hangingSG struct{ release chan struct{} }

func (h hangingSG) Exec([]byte, Direction, []byte, time.Duration) (SGResult, error) {
	<-h.release
	return SGResult{}, errors.New("released")
}

func TestFenceSCSIHangingDeviceTimesOut(t *testing.T) {
	h := hangingSG{release: make(chan struct{})}
	defer close(h.release)
	c := scsiCluster(t, "/dev/sdb", "", "")
	f, _ := testFencer(t, Options{Self: "n1", Timeout: 100 * time.Millisecond, OpenSG: func(string) (SGIO, error) { return h, nil }})
	start := time.Now()
	out := f.Fence(context.Background(), Request{Node: &c.Nodes[1], Cluster: c})
	if out.Success || out.Attempts[0].Result != ResultTimeout {
		t.Errorf("fence through a hanging device = %+v, want a timeout", out)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v; the per-call timeout is 100ms", d)
	}
}
