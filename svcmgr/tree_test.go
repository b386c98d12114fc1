package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quorate/quorate/conf"
)

var ctx = context.Background()

func TestStartOrderTypedNestedAndReverseStop(t *testing.T) {
	l := newLab(t)
	env := l.env()
	env.Agents = scriptRegistry()
	// File order is deliberately the reverse of the start order.
	tr := l.tree(fmt.Sprintf(`
<service name="web">
  <exec name="e" command="%s"/>
  <script name="s" file="%s"/>
  <ip address="ip" file="%s"/>
  <fs name="fs" file="%s">
    <script name="fs-child2" file="%s"/>
    <ip address="fs-child1" file="%s"/>
  </fs>
</service>`, l.child("e"), l.script("s"), l.script("ip"), l.script("fs"), l.script("fs-child2"), l.script("fs-child1")), env)

	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.waitLog("e start")
	want := []string{"fs start", "fs-child1 start", "fs-child2 start", "ip start", "s start", "e start"}
	if got := l.log(); !slices.Equal(got, want) {
		t.Errorf("start order\n got %q\nwant %q", got, want)
	}
	if st, list := tr.Status(ctx); st != Running {
		t.Errorf("Status = %v %+v; want running", st, list)
	}
	l.clearLog()
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	want = []string{"e stop", "s stop", "ip stop", "fs-child2 stop", "fs-child1 stop", "fs stop"}
	if got := l.log(); !slices.Equal(got, want) {
		t.Errorf("stop order\n got %q\nwant %q", got, want)
	}
	if st, _ := tr.Status(ctx); st != Stopped {
		t.Errorf("Status after Stop = %v; want stopped", st)
	}
}

func TestPortblockAroundIP(t *testing.T) {
	l := newLab(t)
	env := l.env()
	env.Agents = scriptRegistry()
	tr := l.tree(fmt.Sprintf(`
<service name="web">
  <portblock name="open" action="unblock" file="%s"/>
  <script name="app" file="%s"/>
  <ip address="vip" file="%s"/>
  <portblock name="close" action="block" file="%s"/>
</service>`, l.script("open"), l.script("app"), l.script("vip"), l.script("close")), env)
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"close start", "vip start", "app start", "open start"}
	if got := l.log(); !slices.Equal(got, want) {
		t.Errorf("start order\n got %q\nwant %q", got, want)
	}
}

func TestRefResolution(t *testing.T) {
	l := newLab(t)
	c := parse(t, fmt.Sprintf(`
<resources>
  <script name="shared" file="%s"/>
  <exec name="worker" command="/bin/true"/>
</resources>
<service name="a">
  <script ref="shared" __independent_subtree="1">
    <script name="inner" file="%s"/>
  </script>
</service>`, l.script("shared"), l.script("inner")))
	tr, err := NewTree(c.RM.Services[0], c, l.env())
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer tr.Stop(ctx)
	st, list := tr.Status(ctx)
	if st != Running || len(list) != 2 {
		t.Fatalf("Status = %v %+v", st, list)
	}
	if list[0].ID != "script:shared" || list[0].Independent != 1 || list[1].ID != "script:inner" || list[1].Independent != 1 {
		t.Errorf("statuses = %+v; want script:shared then script:inner, both in an independent subtree", list)
	}
	if got := l.log(); !slices.Equal(got, []string{"shared start", "inner start"}) {
		t.Errorf("log = %q", got)
	}
}

func TestRollbackOnFailingMiddleResource(t *testing.T) {
	l := newLab(t)
	env := l.env()
	env.Agents = scriptRegistry()
	tr := l.tree(fmt.Sprintf(`
<service name="db">
  <fs name="a" file="%s"/>
  <ip address="b" file="%s"/>
  <script name="c" file="%s"/>
  <exec name="d" command="%s"/>
</service>`, l.script("a"), l.script("b"), l.script("c"), l.child("d")), env)
	l.touch("b.fail-start")
	err := tr.Start(ctx)
	var re *ResourceError
	if !errors.As(err, &re) || re.Type != "ip" || re.Key != "b" || re.Op != "start" {
		t.Fatalf("Start error = %v; want a *ResourceError for <ip address=\"b\"> start", err)
	}
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 1 || !strings.Contains(err.Error(), "b: start fails on purpose") {
		t.Errorf("error %q does not carry the script's exit code and output", err)
	}
	if !strings.Contains(err.Error(), `service "db": <ip address="b"> (cluster.conf:`) {
		t.Errorf("error %q does not name service and resource", err)
	}
	want := []string{"a start", "b start", "b stop", "a stop"}
	if got := l.log(); !slices.Equal(got, want) {
		t.Errorf("log\n got %q\nwant %q", got, want)
	}
	if st, list := tr.Status(ctx); st != Stopped {
		t.Errorf("Status after rollback = %v %+v; want stopped", st, list)
	}
}

func TestRollbackReportsStopFailures(t *testing.T) {
	l := newLab(t)
	tr := l.tree(fmt.Sprintf(`<service name="s">
  <script name="a" file="%s"><script name="b" file="%s"/></script>
</service>`, l.script("a"), l.script("b")), l.env())
	l.touch("b.fail-start")
	l.touch("a.fail-stop")
	err := tr.Start(ctx)
	if err == nil || !strings.Contains(err.Error(), `<script name="b">`) || !strings.Contains(err.Error(), `while rolling back`) ||
		!strings.Contains(err.Error(), `<script name="a">`) || !strings.Contains(err.Error(), "stop:") {
		t.Errorf("Start error = %v; want b's start failure and a's stop failure", err)
	}
}

func TestStopIsBestEffort(t *testing.T) {
	l := newLab(t)
	tr := l.tree(fmt.Sprintf(`<service name="s">
  <script name="a" file="%s"/><script name="b" file="%s"/><script name="c" file="%s"/>
</service>`, l.script("a"), l.script("b"), l.script("c")), l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.clearLog()
	l.touch("b.fail-stop")
	err := tr.Stop(ctx)
	if err == nil || !strings.Contains(err.Error(), `<script name="b">`) || strings.Contains(err.Error(), `name="a"`) {
		t.Errorf("Stop error = %v; want b's failure only", err)
	}
	if got, want := l.log(), []string{"c stop", "b stop", "a stop"}; !slices.Equal(got, want) {
		t.Errorf("log %q; want %q", got, want)
	}
}

func TestValidationStartsNothing(t *testing.T) {
	l := newLab(t)
	notExec := l.dir + "/not-exec"
	l.write("not-exec", "#!/bin/sh\nexit 0\n")
	tr := l.tree(fmt.Sprintf(`<service name="s">
  <script name="a" file="%s"/>
  <script name="b" file="%s"/>
  <script name="gone" file="/nonexistent/init.d/gone"/>
</service>`, l.script("a"), notExec), l.env())
	err := tr.Start(ctx)
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Start error = %v; want ErrNotInstalled", err)
	}
	for _, want := range []string{
		`<script name="b"> (cluster.conf:`, "is not executable; run chmod +x " + notExec,
		`<script name="gone">`, "/nonexistent/init.d/gone does not exist; install it or fix file=",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if got := l.log(); len(got) != 0 {
		t.Errorf("something ran: %q", got)
	}
}

func TestNewTreeConfigErrors(t *testing.T) {
	l := newLab(t)
	tests := []struct {
		name, rm string
		want     []string
	}{
		{"missing parameter", `<service name="s"><exec name="w"/></service>`,
			[]string{`<exec name="w">`, "parameter command is missing", `add command=`}},
		{"bad command", `<service name="s"><exec name="w" command="a 'b"/></service>`,
			[]string{"cannot be split", "close every quote"}},
		{"bad bool", `<service name="s"><fs name="f" device="/dev/x" mountpoint="/m" force_unmount="maybe"/></service>`,
			[]string{`<fs name="f">`, `force_unmount="maybe" is not a boolean`}},
		{"relative script", `<service name="s"><script name="x" file="init.d/x"/></service>`,
			[]string{"not an absolute path"}},
		{"bad independent", `<service name="s"><script name="x" file="/x" __independent_subtree="7"/></service>`,
			[]string{`__independent_subtree="7" is not valid`}},
		{"bad timeout", `<service name="s"><script name="x" file="/x" __start_timeout="soon"/></service>`,
			[]string{`__start_timeout="soon" is not a number of seconds`}},
		{"duplicate", `<resources><script name="x" file="/x"/></resources>
		   <service name="s"><script ref="x"/><script ref="x"/></service>`,
			[]string{"appears twice in this service"}},
		{"bad address", `<service name="s"><ip address="10.0.0.300"/></service>`,
			[]string{`address "10.0.0.300" is not a unicast`}},
		{"portblock without action", `<service name="s"><portblock name="p" portno="80"/></service>`,
			[]string{"parameter action is missing"}},
		{"ocf without type", `<service name="s"><ocf name="o"/></service>`,
			[]string{"parameter type is missing", `provider="heartbeat" type="Dummy"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, tc.rm)
			_, err := NewTree(c.RM.Services[0], c, l.env())
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("NewTree error = %v; want ErrConfig", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestNewTreeUnknownTypeAndRef(t *testing.T) {
	l := newLab(t)
	c := parse(t, `<resources><script name="x" file="/x"/></resources>
<service name="s"><script ref="x"/><exec name="e" command="/bin/true"/></service>`)
	env := l.env()
	env.Agents = Registry{"script": newScript}
	_, err := NewTree(c.RM.Services[0], c, env)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `no agent for resource type "exec"; use one of script`) {
		t.Errorf("error = %v", err)
	}
	// A ref that cannot be resolved (no cluster given).
	_, err = NewTree(c.RM.Services[0], nil, l.env())
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `<script ref="x">`) {
		t.Errorf("error = %v", err)
	}
}

func TestStatusCodes(t *testing.T) {
	l := newLab(t)
	tr := l.tree(fmt.Sprintf(`<service name="s"><script name="a" file="%s"/></service>`, l.script("a")), l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		code   string
		want   State
		reason string
	}{
		{"0", Running, ""},
		{"3", Failed, "not running, though started"},
		{"1", Failed, "program is dead and /var/run pid file exists"},
		{"4", Failed, "status is unknown"},
		{"150", Failed, "exited with 150"},
	} {
		l.write("a.status-code", tc.code)
		st, list := tr.Status(ctx)
		if list[0].State != tc.want || !strings.Contains(list[0].Reason, tc.reason) {
			t.Errorf("status exit %s: got %v %q; want %v with %q", tc.code, list[0].State, list[0].Reason, tc.want, tc.reason)
		}
		if tc.want != Running && st != Failed {
			t.Errorf("status exit %s: tree %v; want failed", tc.code, st)
		}
	}
}

func TestTimeoutKillsTheScriptsGroup(t *testing.T) {
	l := newLab(t)
	tr := l.tree(fmt.Sprintf(`<service name="s"><script name="a" file="%s" __stop_timeout="0.3"/></service>`, l.script("a")), l.env())
	l.touch("a.hang-stop")
	err := tr.Stop(ctx)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "killed it") || !strings.Contains(err.Error(), "after 300ms") {
		t.Fatalf("Stop error = %v; want ErrTimeout after 300ms", err)
	}
	data, rerr := os.ReadFile(filepath.Join(l.dir, "a.hang-pid"))
	if rerr != nil {
		t.Fatal(rerr)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if pid <= 0 || !dies(pid) {
		t.Errorf("the script's child %d survived the timeout", pid)
	}
}

func TestSummarize(t *testing.T) {
	rs := func(st State, benched bool) ResourceStatus { return ResourceStatus{State: st, Benched: benched} }
	tests := []struct {
		list []ResourceStatus
		want State
	}{
		{nil, Stopped},
		{[]ResourceStatus{rs(Running, false), rs(Running, false)}, Running},
		{[]ResourceStatus{rs(Stopped, false), rs(Stopped, false)}, Stopped},
		{[]ResourceStatus{rs(Running, false), rs(Stopped, false)}, Failed},
		{[]ResourceStatus{rs(Running, false), rs(Failed, false)}, Failed},
		{[]ResourceStatus{rs(Stopped, false), rs(Failed, false)}, Failed},
		{[]ResourceStatus{rs(Running, false), rs(Stopped, true)}, Partial},
		{[]ResourceStatus{rs(Running, false), rs(Failed, true)}, Partial},
		{[]ResourceStatus{rs(Stopped, false), rs(Stopped, true)}, Stopped},
	}
	for i, tc := range tests {
		if got := summarize(tc.list); got != tc.want {
			t.Errorf("%d: summarize(%v) = %v; want %v", i, tc.list, got, tc.want)
		}
	}
}

// The conf package's full example builds, in rgmanager's order.
func TestFullExampleConfig(t *testing.T) {
	c, err := conf.Load("../conf/testdata/valid/full-rm.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"db":    {"fs:pgdata", "systemd:postgresql.service", "ip:10.1.0.100/24", "portblock:pg-block"},
		"web":   {"ip:10.1.0.101/24", "script:httpd", "ocf:cache", "exec:warmup"},
		"batch": {"systemd:batch"},
	}
	for _, svc := range c.RM.Services {
		tr, err := NewTree(svc, c, Env{})
		if err != nil {
			t.Errorf("%s: %v", svc.Name, err)
			continue
		}
		var ids []string
		for _, n := range tr.order {
			ids = append(ids, n.id())
		}
		if !slices.Equal(ids, want[svc.Name]) {
			t.Errorf("%s: start order %q; want %q", svc.Name, ids, want[svc.Name])
		}
	}
}

func TestReasonLeavesOutTheService(t *testing.T) {
	err := fmt.Errorf("start: %w", &ResourceError{Service: "web", Type: "exec", KeyAttr: "name", Key: "np", Line: 17, Op: "configure", Err: errors.New("parameter command is missing")})
	if got, want := Reason(err), `<exec name="np"> (cluster.conf:17): configure: parameter command is missing`; got != want {
		t.Errorf("Reason = %q, want %q", got, want)
	}
	if got := Reason(errors.New("plain")); got != "plain" {
		t.Errorf("Reason(plain) = %q", got)
	}
}
