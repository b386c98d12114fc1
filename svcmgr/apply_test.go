package svcmgr

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// applyLab runs one service whose definition the test rewrites. Its
// scripts a..f are lsb.sh; fs and ip run as scripts too.
type applyLab struct {
	*lab
	env Env
}

func newApplyLab(t *testing.T) *applyLab {
	l := newLab(t)
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		l.script(n)
	}
	env := l.env()
	env.Agents = scriptRegistry()
	return &applyLab{lab: l, env: env}
}

// rm expands a service definition: {a} stands for a's script path.
func (l *applyLab) rm(def string) string {
	var pairs []string
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		pairs = append(pairs, "{"+n+"}", l.dir+"/bin/"+n)
	}
	return strings.NewReplacer(pairs...).Replace(def)
}

// running starts the tree of def and clears the log.
func (l *applyLab) running(def string) *Tree {
	l.t.Helper()
	tr := l.tree(l.rm(def), l.env)
	if err := tr.Start(ctx); err != nil {
		l.t.Fatal(err)
	}
	l.clearLog()
	return tr
}

// next builds the tree of def, for Apply.
func (l *applyLab) next(def string) *Tree {
	l.t.Helper()
	c := parse(l.t, l.rm(def))
	tr, err := NewTree(c.RM.Services[0], c, l.env)
	if err != nil {
		l.t.Fatal(err)
	}
	return tr
}

// apply applies def and checks the actions logged and the Diff.
func (l *applyLab) apply(tr *Tree, def string, wantLog []string, want Diff) {
	l.t.Helper()
	got, err := tr.Apply(ctx, l.next(def))
	if err != nil {
		l.t.Fatalf("Apply: %v", err)
	}
	if log := l.log(); !slices.Equal(log, wantLog) {
		l.t.Errorf("actions %q; want %q", log, wantLog)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		l.t.Errorf("Diff = %v; want %v", got, want)
	}
	if st, list := tr.Status(ctx); st != Running {
		l.t.Errorf("after Apply: Status = %v %+v; want running", st, list)
	}
	l.clearLog()
}

const abc = `<service name="s" recovery="restart">
  <script name="a" file="{a}"/>
  <script name="b" file="{b}"><script name="c" file="{c}"/></script>
</service>`

func TestApplyChangedChildRestartsOnlyIt(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	l.apply(tr, strings.Replace(abc, `name="c" file="{c}"`, `name="c" file="{c}" opt="2"`, 1),
		[]string{"c stop", "c start"}, Diff{Restart: []string{"script:c"}, Kept: 2})
}

func TestApplyChangedParentRestartsItsSubtree(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	l.apply(tr, strings.Replace(abc, `name="b" file="{b}"`, `name="b" file="{b}" opt="2"`, 1),
		[]string{"c stop", "b stop", "b start", "c start"}, Diff{Restart: []string{"script:b", "script:c"}, Kept: 1})
}

func TestApplyAddedAndRemoved(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	// d joins under b, e at the top; both start, in start order.
	added := strings.Replace(abc, `<script name="c" file="{c}"/>`, `<script name="c" file="{c}"/><script name="d" file="{d}"/>`, 1)
	added = strings.Replace(added, `</service>`, `<script name="e" file="{e}"/></service>`, 1)
	l.apply(tr, added, []string{"d start", "e start"}, Diff{Start: []string{"script:d", "script:e"}, Kept: 3})
	// Dropping b drops its children too: stopped children first.
	dropped := `<service name="s"><script name="a" file="{a}"/><script name="e" file="{e}"/></service>`
	l.apply(tr, dropped, []string{"d stop", "c stop", "b stop"}, Diff{Stop: []string{"script:d", "script:c", "script:b"}, Kept: 2})
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l.log(); !slices.Equal(got, []string{"e stop", "a stop"}) {
		t.Errorf("Stop after Apply: %q; want the new tree stopped", got)
	}
}

func TestApplyStartOrderOfAddedTypes(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(`<service name="s"><script name="a" file="{a}"/></service>`)
	// Written script-first; an fs starts before an ip, both before a script.
	l.apply(tr, `<service name="s"><script name="a" file="{a}"/><script name="f" file="{f}"/><ip address="e" file="{e}"/><fs name="d" file="{d}"/></service>`,
		[]string{"d start", "e start", "f start"}, Diff{Start: []string{"fs:d", "ip:e", "script:f"}, Kept: 1})
}

func TestApplyMovedResourceRestarts(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	moved := `<service name="s">
  <script name="a" file="{a}"><script name="c" file="{c}"/></script>
  <script name="b" file="{b}"/>
</service>`
	l.apply(tr, moved, []string{"c stop", "c start"}, Diff{Restart: []string{"script:c"}, Kept: 2})
	// c now lives under a: restarting a's subtree takes c along.
	l.apply(tr, strings.Replace(moved, `name="a" file="{a}"`, `name="a" file="{a}" opt="x"`, 1),
		[]string{"c stop", "a stop", "a start", "c start"}, Diff{Restart: []string{"script:a", "script:c"}, Kept: 1})
}

func TestApplyServiceAttributesAndFlagsRestartNothing(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	flags := strings.Replace(abc, `recovery="restart"`, `recovery="relocate" max_restarts="3" restart_expire_time="60"`, 1)
	flags = strings.Replace(flags, `name="c" file="{c}"`, `name="c" file="{c}" __independent_subtree="1" __status_timeout="7"`, 1)
	l.apply(tr, flags, nil, Diff{Kept: 3})
	if got := tr.StatusTimeout(); got != 5*time.Second*2+7*time.Second {
		t.Errorf("StatusTimeout = %v; want 17s (a and b 5s each, c's new 7s)", got)
	}
	// The new __independent_subtree holds at once: c fails and is
	// restarted alone.
	l.remove("c.running")
	if ok, err := tr.RecoverIndependent(ctx); !ok || err != nil {
		t.Fatalf("RecoverIndependent = %v, %v; want c restarted alone", ok, err)
	}
	if got := l.log(); !slices.Equal(got, []string{"c stop", "c start"}) {
		t.Errorf("recovery actions %q", got)
	}
}

func TestApplyRefAndInlineAreTheSameResource(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(`<resources><script name="a" file="{a}"/></resources><service name="s"><script ref="a"/></service>`)
	// The same resource written inline, with the same parameters.
	l.apply(tr, `<service name="s"><script name="a" file="{a}"/></service>`, nil, Diff{Kept: 1})
	// A change in <resources> reaches the services that reference it.
	l.apply(tr, `<resources><script name="a" file="{a}" opt="1"/></resources><service name="s"><script ref="a"/></service>`,
		[]string{"a stop", "a start"}, Diff{Restart: []string{"script:a"}, Kept: 0})
}

func TestApplyInvalidTouchesNothing(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	bad := strings.Replace(abc, `{c}`, `/nonexistent/c`, 1)
	bad = strings.Replace(bad, `</service>`, `<script name="d" file="{d}"/></service>`, 1)
	_, err := tr.Apply(ctx, l.next(bad))
	var re *ResourceError
	if !errors.As(err, &re) || re.Key != "c" || re.Op != "validate" {
		t.Fatalf("Apply = %v; want c's validation error", err)
	}
	if got := l.log(); len(got) != 0 {
		t.Errorf("an invalid definition changed something: %q", got)
	}
	if st, _ := tr.Status(ctx); st != Running {
		t.Errorf("Status = %v; want the old definition still running", st)
	}
}

func TestApplyStartFailureLeavesTreeFailed(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	l.touch("d.fail-start")
	_, err := tr.Apply(ctx, l.next(strings.Replace(abc, `</service>`, `<script name="d" file="{d}"/></service>`, 1)))
	var re *ResourceError
	if !errors.As(err, &re) || re.Key != "d" || re.Op != "start" {
		t.Fatalf("Apply = %v; want d's start error", err)
	}
	if got := l.log(); !slices.Equal(got, []string{"d start", "d stop"}) {
		t.Errorf("actions %q; want d started, failed and rolled back", got)
	}
	// The service is not whole: Status says so, and it is not an
	// independent failure, so only a full recovery helps.
	if st, list := tr.Status(ctx); st != Failed || states(list)["script:d"] != Stopped {
		t.Errorf("Status = %v %+v; want failed with d stopped", st, list)
	}
}

func TestApplyStopFailureKeepsOldTree(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	l.touch("c.fail-stop")
	dropped := `<service name="s"><script name="a" file="{a}"/></service>`
	if _, err := tr.Apply(ctx, l.next(dropped)); err == nil || !strings.Contains(err.Error(), "stopping what changed") {
		t.Fatalf("Apply = %v; want the stop failure", err)
	}
	// b and c are still the tree's: a full Stop tries them again.
	l.remove("c.fail-stop")
	l.clearLog()
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l.log(); !slices.Equal(got, []string{"c stop", "b stop", "a stop"}) {
		t.Errorf("Stop = %q; want the old tree stopped", got)
	}
}

func TestApplyOnStoppedTreeOnlyAdopts(t *testing.T) {
	l := newApplyLab(t)
	tr := l.tree(l.rm(abc), l.env)
	if _, err := tr.Apply(ctx, l.next(`<service name="s"><script name="d" file="{d}"/></service>`)); err != nil {
		t.Fatal(err)
	}
	if got := l.log(); len(got) != 0 {
		t.Errorf("Apply on a stopped tree acted: %q", got)
	}
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l.log(); !slices.Equal(got, []string{"d start"}) {
		t.Errorf("Start after Apply = %q; want the new definition", got)
	}
}

func TestApplyOtherServiceRefused(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	if _, err := tr.Apply(ctx, l.next(strings.Replace(abc, `name="s"`, `name="other"`, 1))); err == nil {
		t.Fatal("Apply took another service's tree")
	}
	if got := l.log(); len(got) != 0 {
		t.Errorf("actions %q", got)
	}
}

func TestApplyAddedExecReportsOnWatch(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	withExec := strings.Replace(abc, `</service>`, fmt.Sprintf(`<exec name="x" command="%s"/></service>`, l.child("x")), 1)
	if _, err := tr.Apply(ctx, l.next(withExec)); err != nil {
		t.Fatal(err)
	}
	l.waitLog("x start")
	if err := unix.Kill(l.pidOf("s", "x"), unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-tr.Watch():
		if ev.Resource != "exec:x" || ev.State != Failed {
			t.Errorf("event %+v; want exec:x failed", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the added exec resource's exit never reached Watch")
	}
}

func TestDiffIsPure(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	next := l.next(strings.Replace(abc, `name="a" file="{a}"`, `name="a" file="{a}" opt="1"`, 1))
	defer next.Close()
	if d := tr.Diff(next); fmt.Sprint(d) != fmt.Sprint(Diff{Restart: []string{"script:a"}, Kept: 2}) {
		t.Errorf("Diff = %v", d)
	}
	if got := l.log(); len(got) != 0 {
		t.Errorf("Diff acted: %q", got)
	}
	if s := (Diff{Stop: []string{"ip:x"}, Start: []string{"fs:y"}, Kept: 1}).String(); s != "stop ip:x; start fs:y; 1 kept" {
		t.Errorf("String = %q", s)
	}
}

func TestApplyAgainAfterApplyChangesNothing(t *testing.T) {
	l := newApplyLab(t)
	tr := l.running(abc)
	v2 := strings.Replace(abc, `name="c" file="{c}"`, `name="c" file="{c}" opt="2"`, 1)
	l.apply(tr, v2, []string{"c stop", "c start"}, Diff{Restart: []string{"script:c"}, Kept: 2})
	// The restarted c hangs under the kept b like before: the same
	// definition again changes nothing, and adding d restarts nothing else.
	l.apply(tr, v2, nil, Diff{Kept: 3})
	v3 := strings.Replace(v2, `</script>`, `<script name="d" file="{d}"/></script>`, 1)
	l.apply(tr, v3, []string{"d start"}, Diff{Start: []string{"script:d"}, Kept: 3})
	// And b's subtree is still b's: changing b restarts c and d with it.
	l.apply(tr, strings.Replace(v3, `name="b" file="{b}"`, `name="b" file="{b}" opt="1"`, 1),
		[]string{"d stop", "c stop", "b stop", "b start", "c start", "d start"}, Diff{Restart: []string{"script:b", "script:c", "script:d"}, Kept: 1})
}
