//go:build integration

package svcmgr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// realOCF is an Env for Debian's resource-agents in /usr/lib/ocf.
func realOCF(t *testing.T, l *lab, agents ...string) Env {
	t.Helper()
	for _, a := range agents {
		if _, err := os.Stat(filepath.Join(DefaultOCFRoot, "resource.d/heartbeat", a)); err != nil {
			t.Skipf("OCF agent heartbeat/%s is not installed (apt-get install -y resource-agents)", a)
		}
	}
	env := l.env()
	env.OCFRoot = DefaultOCFRoot
	return env
}

func TestOCFIntegrationDummy(t *testing.T) {
	began := time.Now()
	l := newLab(t)
	env := realOCF(t, l, "Dummy")
	state := filepath.Join(l.dir, "dummy.state")
	tr := l.tree(fmt.Sprintf(`<service name="svc">
  <ocf name="dummy1" provider="heartbeat" type="Dummy" state="%s" fake="quorate"/>
</service>`, state), env)
	if err := tr.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("Dummy did not create its state file from OCF_RESKEY_state: %v", err)
	}
	if st, list := tr.Status(ctx); st != Running {
		t.Fatalf("Status = %v %+v", st, list)
	}
	os.Remove(state) // the resource "dies": monitor now says 7
	if st, list := tr.Status(ctx); st != Failed || !strings.Contains(list[0].Reason, "not running, though started") {
		t.Errorf("Status after the state file vanished = %v %+v", st, list)
	}
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := tr.Status(ctx); st != Stopped {
		t.Errorf("Status after Stop = %v", st)
	}
	t.Logf("ocf integration took %v", time.Since(began))
}

func TestOCFIntegrationRequiredParameter(t *testing.T) {
	l := newLab(t)
	env := realOCF(t, l, "IPaddr2")
	tr := l.tree(`<service name="svc"><ocf name="vip" provider="heartbeat" type="IPaddr2"/></service>`, env)
	err := tr.Start(ctx)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `parameter ip is required by OCF agent heartbeat/IPaddr2`) ||
		!strings.Contains(err.Error(), `add ip="..."`) || !strings.Contains(err.Error(), `<ocf name="vip">`) {
		t.Errorf("Start = %v", err)
	}
}

func TestOCFIntegrationTimeout(t *testing.T) {
	l := newLab(t)
	env := realOCF(t, l, "Delay")
	tr := l.tree(`<service name="svc"><ocf name="slow" type="Delay" startdelay="20" stopdelay="0" __start_timeout="0.5"/></service>`, env)
	began := time.Now()
	err := tr.Start(ctx)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("Start = %v; want ErrTimeout", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("Start took %v with a 0.5s timeout", d)
	}
}

func TestOCFIntegrationNotInstalled(t *testing.T) {
	l := newLab(t)
	env := realOCF(t, l, "Dummy")
	tr := l.tree(`<service name="svc"><ocf name="x" provider="heartbeat" type="NoSuchAgent"/></service>`, env)
	if err := tr.Start(ctx); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "apt-get install resource-agents") {
		t.Errorf("Start = %v", err)
	}
}
