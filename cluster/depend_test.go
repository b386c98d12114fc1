package cluster

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func dependsOn(name string, soft bool) func(*ServiceInfo) {
	return func(s *ServiceInfo) { s.Depend, s.DependSoft = name, soft }
}

// firstNotice is the index of the first notice containing all of parts,
// or -1.
func (w *world) firstNotice(parts ...string) int {
	for i, l := range w.notices {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return i
		}
	}
	return -1
}

// A dependent service starts only once the service it depends on has
// started, wherever that is (rgmanager's depend="service:NAME").
func TestDependentStartsAfterItsDependency(t *testing.T) {
	w := newWorld(t, 3, svc("app", prefer(2), dependsOn("db", false)), svc("db", prefer(1)))
	w.settle()
	w.until(time.Second, "app started", func() bool { return w.started("app") })
	db, app := w.firstNotice("service db started on node 1"), w.firstNotice("START app")
	if db < 0 || app < 0 || app < db {
		t.Fatalf("app started at notice %d, db reported started at %d; want app after db:\n%s", app, db, strings.Join(w.notices, "\n"))
	}
	if e := w.entry("app"); e.State != SvcStarted || e.Owner != 2 {
		t.Errorf("app %+v, want started on node 2", e)
	}
}

// Hard mode: when the dependency's owner dies, the dependent is stopped
// too, and started again once the dependency is recovered.
func TestHardDependentStopsWhileItsDependencyRecovers(t *testing.T) {
	w := newWorld(t, 3, svc("db", prefer(1, 3)), svc("app", prefer(2), dependsOn("db", false)))
	w.settle()
	w.until(time.Second, "app started", func() bool { return w.started("app") })
	mark := len(w.notices)
	w.crash(1) // db's owner (and the master) dies
	w.until(5*time.Second, "app stopped on node 2", func() bool { return !w.nodes[2].runs[ServiceKey("app")] })
	w.until(5*time.Second, "db and app started again", func() bool {
		return w.started("db") && w.started("app") && w.entry("db").Owner == 3
	})
	w.notices = w.notices[mark:]
	stop, dbUp, start := w.firstNotice("STOP app"), w.firstNotice("service db started on node 3"), w.firstNotice("START app")
	if stop < 0 || dbUp < 0 || start < dbUp || stop > dbUp {
		t.Errorf("want app stopped, db started on node 3, then app started; notices:\n%s", strings.Join(w.notices, "\n"))
	}
	if i := w.firstNotice("service app: stopping it: it depends on service db, which is"); i < 0 {
		t.Errorf("the stop of app was not explained:\n%s", strings.Join(w.notices, "\n"))
	}
}

// Soft mode: the dependent keeps running while its dependency recovers.
func TestSoftDependentKeepsRunning(t *testing.T) {
	w := newWorld(t, 3, svc("db", prefer(1, 3)), svc("app", prefer(2), dependsOn("db", true)))
	w.settle()
	w.until(time.Second, "app started", func() bool { return w.started("app") })
	mark := len(w.notices)
	w.crash(1)
	w.until(5*time.Second, "db started on node 3", func() bool { return w.started("db") && w.entry("db").Owner == 3 })
	w.notices = w.notices[mark:]
	if i := w.firstNotice("STOP app"); i >= 0 {
		t.Errorf("a soft dependent was stopped while its dependency recovered:\n%s", strings.Join(w.notices, "\n"))
	}
	if !w.nodes[2].runs[ServiceKey("app")] {
		t.Error("app no longer runs on node 2")
	}
}

// An operator's disable of the dependency stops a hard dependent; an
// enable of the dependent while the dependency is disabled is accepted
// and says what it waits for; enabling the dependency starts both.
func TestEnableWaitsForDisabledDependency(t *testing.T) {
	w := newWorld(t, 3, svc("db", prefer(1)), svc("app", prefer(2), dependsOn("db", false)))
	w.settle()
	w.until(time.Second, "app started", func() bool { return w.started("app") })
	if err := w.command("disable", "db", 0); err != nil {
		t.Fatal(err)
	}
	w.until(5*time.Second, "app stopped", func() bool {
		e := w.entry("app")
		return e.State == SvcStopped && !w.nodes[2].runs[e.Key]
	})
	if why := w.master().ServiceReason(ServiceKey("app")); !strings.Contains(why, "depends on service db, which is disabled") {
		t.Errorf("ServiceReason(app) = %q", why)
	}
	if err := w.command("disable", "app", 0); err != nil {
		t.Fatal(err)
	}
	w.run(300 * time.Millisecond)
	err := w.command("enable", "app", 0)
	if !errors.Is(err, ErrDependency) || !strings.Contains(err.Error(), "service db, which is disabled") {
		t.Fatalf("enable app with db disabled: %v; want ErrDependency naming db", err)
	}
	w.run(500 * time.Millisecond)
	if e := w.entry("app"); e.State != SvcStopped || e.Held {
		t.Fatalf("app after its enable: %+v; want stopped (waiting), not held", e)
	}
	if err := w.command("enable", "db", 0); err != nil {
		t.Fatal(err)
	}
	w.until(5*time.Second, "db and app started", func() bool { return w.started("db") && w.started("app") })
}
