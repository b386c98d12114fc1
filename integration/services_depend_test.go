//go:build integration

package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/integration/harness"
)

// svcNamed is service name in n's status (zero when absent).
func svcNamed(n *harness.Node, name string) api.Service {
	st, err := n.Status()
	if err != nil {
		return api.Service{}
	}
	for _, s := range st.Services {
		if s.Name == "service:"+name {
			return s
		}
	}
	return api.Service{}
}

// waitBoth waits until cond holds for db and app as node n shows them.
func waitBoth(t *testing.T, n *harness.Node, what string, cond func(db, app api.Service) bool) (db, app api.Service) {
	t.Helper()
	if _, ok := harness.Until(30*time.Second, 20*time.Millisecond, func() bool {
		db, app = svcNamed(n, "db"), svcNamed(n, "app")
		return cond(db, app)
	}); !ok {
		t.Fatalf("%s never happened; db %+v, app %+v", what, db, app)
	}
	return db, app
}

// rgmanager's depend="service:db" through the real daemon: app starts
// only with db; disabling db stops app (hard), and clustat says why;
// enabling app meanwhile is accepted and says what it waits for;
// enabling db starts both again.
func TestServiceDependency(t *testing.T) {
	c, master := plainCluster(t, 7280, `<service name="db" domain="d"><exec name="db" command="/bin/sleep infinity"/></service>
    <service name="app" domain="d" depend="service:db"><exec name="app" command="/bin/sleep infinity"/></service>`, nil)
	m := c.Node(master)
	asker := victim(c, master)
	waitBoth(t, m, "db and app started", func(db, app api.Service) bool { return started(db) && started(app) })

	t0 := time.Now()
	if out, err := clusvcadm(c, asker, "-d", "db"); err != nil {
		t.Fatalf("clusvcadm -d db: %v: %s", err, out)
	}
	_, app := waitBoth(t, asker, "app stopped because db is disabled", func(db, app api.Service) bool {
		return db.State == "disabled" && app.State == "stopped" && strings.Contains(app.Reason, "depends on service db, which is disabled")
	})
	t.Logf("db disabled -> app stopped after %v; clustat reason: %q", time.Since(t0).Round(time.Millisecond), app.Reason)

	if out, err := clusvcadm(c, asker, "-d", "app"); err != nil {
		t.Fatalf("clusvcadm -d app: %v: %s", err, out)
	}
	waitBoth(t, asker, "app disabled", func(_, app api.Service) bool { return app.State == "disabled" })
	out, err := clusvcadm(c, asker, "-e", "app")
	if err == nil || !strings.Contains(out, "stays stopped: it depends on service db, which is disabled") {
		t.Errorf("clusvcadm -e app with db disabled: %v: %q; want a refusal-style exit saying it waits for db", err, out)
	}
	waitBoth(t, asker, "app enabled but waiting", func(_, app api.Service) bool { return app.State == "stopped" })

	if out, err := clusvcadm(c, asker, "-e", "db"); err != nil {
		t.Fatalf("clusvcadm -e db: %v: %s", err, out)
	}
	waitBoth(t, asker, "db and app started again", func(db, app api.Service) bool { return started(db) && started(app) })
}
