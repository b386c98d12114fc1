package svcmgr

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

// clock is a settable Env.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// clocked is the lab's Env on a settable clock.
func (l *lab) clocked() (*clock, Env) {
	clk := &clock{now: time.Unix(1e9, 0)}
	env := l.env()
	env.Now = clk.Now
	return clk, env
}

// statusCalls counts the status actions each script logged.
func (l *lab) statusCalls() map[string]int {
	data, _ := os.ReadFile(filepath.Join(l.dir, "log"))
	out := map[string]int{}
	for _, line := range strings.Split(string(data), "\n") {
		if name, ok := strings.CutSuffix(line, " status"); ok {
			out[name]++
		}
	}
	return out
}

// Every check runs at its own interval and depth: the default one at the
// poll interval, <action> intervals per resource, interval 0 never, and
// a deeper OCF check with OCF_CHECK_LEVEL set.
func TestPollRunsEachCheckAtItsInterval(t *testing.T) {
	l := newLab(t)
	clk, env := l.clocked()
	env.PollInterval = 10 * time.Second
	state := filepath.Join(l.dir, "d.state")
	tr := l.tree(fmt.Sprintf(`
<service name="s">
  <script name="a" file="%s"/>
  <script name="b" file="%s"><action name="status" interval="30"/></script>
  <script name="c" file="%s"><action name="status" depth="*" interval="0"/></script>
  <ocf name="d" provider="test" type="Fake" state="%s">
    <action name="monitor" depth="20" interval="20" timeout="7"/>
  </ocf>
</service>`, l.script("a"), l.script("b"), l.script("c"), state), env)
	if !tr.NextPoll().IsZero() {
		t.Fatalf("a tree not started has a poll due at %v", tr.NextPoll())
	}
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := tr.NextPoll(), clk.Now().Add(10*time.Second); !got.Equal(want) {
		t.Fatalf("NextPoll = %v, want one poll interval after the start, %v", got, want)
	}
	if got := tr.MinPollInterval(); got != 10*time.Second {
		t.Errorf("MinPollInterval = %v, want 10s", got)
	}
	type step struct {
		ran    int
		calls  map[string]int // cumulative status calls of the scripts
		levels []string       // cumulative OCF_CHECK_LEVELs of d's monitors
	}
	steps := []step{
		{2, map[string]int{"a": 1}, []string{"0"}},
		{2, map[string]int{"a": 2}, []string{"0", "20"}},
		{3, map[string]int{"a": 3, "b": 1}, []string{"0", "20", "0"}},
		{2, map[string]int{"a": 4, "b": 1}, []string{"0", "20", "0", "20"}},
	}
	for i, s := range steps {
		clk.add(10 * time.Second)
		st, list, ran := tr.Poll(ctx)
		if st != Running || ran != s.ran {
			t.Errorf("poll %d: %v, %d checked, want running, %d: %+v", i+1, st, ran, s.ran, list)
		}
		if got := l.statusCalls(); !mapsEqual(got, s.calls) {
			t.Errorf("poll %d: status calls %v, want %v", i+1, got, s.calls)
		}
		data, _ := os.ReadFile(state + ".monitors")
		if got := strings.Fields(string(data)); !slices.Equal(got, s.levels) {
			t.Errorf("poll %d: d's monitor levels %q, want %q", i+1, got, s.levels)
		}
	}
	if got := tr.PollTimeout(); got != 3*5*time.Second+7*time.Second {
		t.Errorf("PollTimeout = %v, want 22s (three 5 s status timeouts and d's 7 s)", got)
	}

	// b fails between its checks: the polls before its turn do not see it.
	l.write("b.status-code", "1")
	clk.add(10 * time.Second) // 50 s: b's next check is at 60 s
	if st, _, _ := tr.Poll(ctx); st != Running {
		t.Errorf("b is checked only every 30 s, yet the poll at 50 s said %v", st)
	}
	clk.add(10 * time.Second)
	st, list, _ := tr.Poll(ctx)
	if st != Failed {
		t.Fatalf("poll at 60 s: %v, want failed: %+v", st, list)
	}
	for _, rs := range list {
		if (rs.State == Failed) != (rs.Key == "b") {
			t.Errorf("%s: %v %q", rs.ID, rs.State, rs.Reason)
		}
	}

	// A stopped tree has nothing scheduled.
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if !tr.NextPoll().IsZero() {
		t.Errorf("a stopped tree has a poll due at %v", tr.NextPoll())
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// SetPollInterval moves the checks that follow it, not the ones an
// <action> sets.
func TestSetPollInterval(t *testing.T) {
	l := newLab(t)
	clk, env := l.clocked()
	tr := l.tree(fmt.Sprintf(`
<service name="s">
  <script name="a" file="%s"/>
  <script name="b" file="%s"><action name="status" interval="3"/></script>
</service>`, l.script("a"), l.script("b")), env)
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tr.MinPollInterval(); got != 3*time.Second {
		t.Errorf("MinPollInterval = %v, want b's 3s", got)
	}
	tr.SetPollInterval(time.Second)
	if got, want := tr.NextPoll(), clk.Now().Add(time.Second); !got.Equal(want) {
		t.Errorf("NextPoll after SetPollInterval(1s) = %v, want %v", got, want)
	}
	clk.add(time.Second)
	if _, _, ran := tr.Poll(ctx); ran != 1 {
		t.Errorf("poll at 1 s checked %d resources, want a alone", ran)
	}
}

// The checks and timeouts <action>s give, with __status_timeout and
// depth "*" folded in.
func TestBuildChecks(t *testing.T) {
	any := conf.AnyDepth
	cases := []struct {
		name   string
		acts   []conf.Action
		checks []check
		to     Timeouts
	}{
		{"none", nil, []check{{0, -1, 5 * time.Second, time.Time{}}}, Timeouts{10 * time.Second, 10 * time.Second, 5 * time.Second}},
		{"start and stop", []conf.Action{{Name: "start", Depth: 0, Interval: -1, Timeout: time.Minute}, {Name: "stop", Interval: -1, Timeout: 2 * time.Minute}},
			[]check{{0, -1, 5 * time.Second, time.Time{}}}, Timeouts{time.Minute, 2 * time.Minute, 5 * time.Second}},
		{"every depth off", []conf.Action{{Name: "status", Depth: any, Interval: 0, Timeout: -1}},
			[]check{{0, 0, 5 * time.Second, time.Time{}}}, Timeouts{10 * time.Second, 10 * time.Second, 5 * time.Second}},
		{"deeper check inherits star, depth 0 given by number wins", []conf.Action{
			{Name: "status", Depth: 20, Interval: 600 * time.Second, Timeout: -1},
			{Name: "status", Depth: any, Interval: 60 * time.Second, Timeout: 30 * time.Second},
			{Name: "status", Depth: 0, Interval: 15 * time.Second, Timeout: -1},
		}, []check{{0, 15 * time.Second, 30 * time.Second, time.Time{}}, {20, 600 * time.Second, 30 * time.Second, time.Time{}}},
			Timeouts{10 * time.Second, 10 * time.Second, 30 * time.Second}},
	}
	for _, c := range cases {
		to := Timeouts{10 * time.Second, 10 * time.Second, 5 * time.Second}
		got := buildChecks(c.acts, &to)
		if !slices.Equal(got, c.checks) || to != c.to {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", c.name, got, to, c.checks, c.to)
		}
	}
}

// Actions at a ref= site replace the referenced resource's for the same
// name and depth and add to them otherwise.
func TestRefSiteActions(t *testing.T) {
	l := newLab(t)
	c := parse(t, fmt.Sprintf(`
<resources>
  <script name="shared" file="%s">
    <action name="status" interval="30" timeout="9"/>
    <action name="stop" timeout="40"/>
  </script>
</resources>
<service name="a">
  <script ref="shared"><action name="status" interval="5"/><action name="status" depth="10" interval="60"/></script>
</service>`, l.script("shared")))
	tr, err := NewTree(c.RM.Services[0], c, l.env())
	if err != nil {
		t.Fatal(err)
	}
	n := tr.order[0]
	want := []check{{0, 5 * time.Second, 5 * time.Second, time.Time{}}, {10, 60 * time.Second, 5 * time.Second, time.Time{}}}
	if !slices.Equal(n.checks, want) || n.timeouts.Stop != 40*time.Second {
		t.Errorf("checks %+v stop timeout %v; want %+v and 40s (the site's status action replaces the definition's, timeout and all)",
			n.checks, n.timeouts.Stop, want)
	}
}
