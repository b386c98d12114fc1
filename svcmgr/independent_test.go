package svcmgr

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// indepTree: a plain script a, and an independent subtree b ⊃ c.
func indepTree(l *lab, flags string) *Tree {
	return l.tree(fmt.Sprintf(`<service name="s">
  <script name="a" file="%s"/>
  <script name="b" file="%s" %s><script name="c" file="%s"/></script>
</service>`, l.script("a"), l.script("b"), flags, l.script("c")), l.env())
}

func TestIndependentSubtreeRestartsAlone(t *testing.T) {
	l := newLab(t)
	tr := indepTree(l, `__independent_subtree="1"`)
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.clearLog()
	l.remove("c.running") // c dies
	st, list := tr.Status(ctx)
	if st != Failed || states(list)["script:c"] != Failed || list[2].Independent != 1 {
		t.Fatalf("Status = %v %+v; want failed, c failed in an independent subtree", st, list)
	}
	ok, err := tr.RecoverIndependent(ctx)
	if !ok || err != nil {
		t.Fatalf("RecoverIndependent = %v, %v", ok, err)
	}
	want := []string{"c stop", "b stop", "b start", "c start"}
	if got := l.log(); !slices.Equal(got, want) {
		t.Errorf("log %q; want %q (a untouched)", got, want)
	}
	if st, _ := tr.Status(ctx); st != Running {
		t.Errorf("Status after recovery = %v", st)
	}
	// Nothing failed: nothing to do, and true.
	l.clearLog()
	if ok, err := tr.RecoverIndependent(ctx); !ok || err != nil || len(l.log()) != 0 {
		t.Errorf("RecoverIndependent on a healthy tree = %v, %v, log %q", ok, err, l.log())
	}
}

func TestIndependentSubtreeFailureOutside(t *testing.T) {
	l := newLab(t)
	tr := indepTree(l, `__independent_subtree="1"`)
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.clearLog()
	l.remove("a.running")
	ok, err := tr.RecoverIndependent(ctx)
	if ok || !errors.Is(err, ErrNotIndependent) {
		t.Errorf("RecoverIndependent = %v, %v; want false, ErrNotIndependent", ok, err)
	}
	if got := l.log(); len(got) != 0 {
		t.Errorf("something was restarted: %q", got)
	}
}

func TestIndependentSubtreeRestartFails(t *testing.T) {
	l := newLab(t)
	tr := indepTree(l, `__independent_subtree="1"`)
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.remove("c.running")
	l.touch("c.fail-start")
	ok, err := tr.RecoverIndependent(ctx)
	var re *ResourceError
	if ok || !errors.As(err, &re) || re.Key != "c" || re.Op != "start" {
		t.Errorf("RecoverIndependent = %v, %v; want false and c's start error", ok, err)
	}
}

func TestIndependentSubtreeMaxFailures(t *testing.T) {
	l := newLab(t)
	tr := indepTree(l, `__independent_subtree="1" __max_failures="1" __failure_expire_time="60"`)
	now := time.Unix(1000, 0)
	tr.env.Now = func() time.Time { return now }
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.remove("c.running")
	if ok, err := tr.RecoverIndependent(ctx); !ok || err != nil {
		t.Fatalf("first failure: %v, %v", ok, err)
	}
	now = now.Add(30 * time.Second)
	l.remove("c.running")
	if ok, err := tr.RecoverIndependent(ctx); ok || !errors.Is(err, ErrTooManyFailures) {
		t.Fatalf("second failure within 60s: %v, %v; want ErrTooManyFailures", ok, err)
	}
	now = now.Add(61 * time.Second) // both earlier failures expired
	if ok, err := tr.RecoverIndependent(ctx); !ok || err != nil {
		t.Errorf("failure after expiry: %v, %v", ok, err)
	}
}

func TestNonCriticalSubtreeIsBenched(t *testing.T) {
	l := newLab(t)
	tr := indepTree(l, `__independent_subtree="2"`)
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	l.remove("b.running")
	l.touch("b.fail-start")
	ok, err := tr.RecoverIndependent(ctx)
	if !ok || err != nil {
		t.Fatalf("RecoverIndependent = %v, %v; want true (non-critical)", ok, err)
	}
	st, list := tr.Status(ctx)
	if st != Partial || !list[1].Benched || !list[2].Benched || list[0].Benched {
		t.Errorf("Status = %v %+v; want partial with b and c benched", st, list)
	}
	if got := states(list); got["script:a"] != Running || got["script:c"] != Stopped {
		t.Errorf("states %v; want a running, c stopped", got)
	}
	// A full restart brings the subtree back.
	l.remove("b.fail-start")
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := tr.Status(ctx); st != Running {
		t.Errorf("after restart: %v", st)
	}
}
