package svcmgr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOCFFakeAgent(t *testing.T) {
	l := newLab(t)
	state := filepath.Join(l.dir, "fake.state")
	tr := l.tree(fmt.Sprintf(`<service name="svc">
  <ocf name="f1" provider="test" type="Fake" state="%s" color="blue" __independent_subtree="1"/>
</service>`, state), l.env())
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	env, err := os.ReadFile(state + ".env")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"OCF_RESKEY_color=blue", "OCF_RESKEY_state=" + state, "OCF_RESKEY_name=f1",
		"OCF_ROOT=" + abs(t, "testdata/ocf"), "OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1",
		"OCF_RESOURCE_INSTANCE=f1", "OCF_RESOURCE_TYPE=Fake", "OCF_RESOURCE_PROVIDER=test",
	} {
		if !strings.Contains(string(env), want+"\n") {
			t.Errorf("agent environment lacks %s:\n%s", want, env)
		}
	}
	for _, bad := range []string{"OCF_RESKEY_provider", "OCF_RESKEY_type", "OCF_RESKEY___independent_subtree"} {
		if strings.Contains(string(env), bad) {
			t.Errorf("agent environment has %s", bad)
		}
	}
	if st, _ := tr.Status(ctx); st != Running {
		t.Errorf("Status = %v", st)
	}
	if err := tr.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := tr.Status(ctx); st != Stopped {
		t.Errorf("Status after Stop = %v (monitor 7 is stopped)", st)
	}
}

func TestOCFExitCodes(t *testing.T) {
	l := newLab(t)
	state := filepath.Join(l.dir, "s")
	for _, tc := range []struct {
		attr    string
		op      string
		want    State
		is      error
		meaning string
	}{
		{`rc_monitor="1"`, "status", Failed, nil, "OCF_ERR_GENERIC"},
		{`rc_monitor="8"`, "status", Running, nil, ""},
		{`rc_monitor="190"`, "status", Running, nil, ""},
		{`rc_monitor="7"`, "status", Stopped, nil, ""},
		{`rc_start="6"`, "start", Failed, ErrConfig, "OCF_ERR_CONFIGURED"},
		{`rc_start="5"`, "start", Failed, ErrNotInstalled, "OCF_ERR_INSTALLED"},
		{`rc_start="2"`, "start", Failed, ErrConfig, "OCF_ERR_ARGS"},
		{`rc_stop="7"`, "stop", Stopped, nil, ""},
		{`rc_stop="1"`, "stop", Failed, nil, "OCF_ERR_GENERIC"},
	} {
		a, err := newOCF(resource("ocf", map[string]string{"name": "x", "type": "Fake", "provider": "test", "state": state,
			strings.Split(tc.attr, "=")[0]: strings.Trim(strings.Split(tc.attr, "=")[1], `"`)}), l.env().withDefaults())
		if err != nil {
			t.Fatal(err)
		}
		var st State
		switch tc.op {
		case "status":
			st, err = a.Status(ctx)
		case "start":
			if err = a.Start(ctx); err == nil {
				st = Running
			} else {
				st = Failed
			}
		case "stop":
			if err = a.Stop(ctx); err == nil {
				st = Stopped
			} else {
				st = Failed
			}
		}
		var ee *ExitError
		if st != tc.want || (tc.meaning != "" && (!errors.As(err, &ee) || ee.Meaning != tc.meaning)) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s %s: got %v, %v; want %v %s", tc.attr, tc.op, st, err, tc.want, tc.meaning)
		}
	}
}

func TestOCFValidate(t *testing.T) {
	l := newLab(t)
	tr := l.tree(`<service name="svc"><ocf name="f" provider="test" type="Fake"/></service>`, l.env())
	err := tr.Validate()
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `parameter state is required by OCF agent test/Fake (state file); add state="..."`) {
		t.Errorf("Validate without state = %v", err)
	}
	tr = l.tree(`<service name="svc"><ocf name="f" agent="ocf:heartbeat:NoSuchAgent"/></service>`, l.env())
	err = tr.Validate()
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "OCF agent heartbeat/NoSuchAgent "+abs(t, "testdata/ocf")+"/resource.d/heartbeat/NoSuchAgent does not exist; install it (Debian: apt-get install resource-agents)") {
		t.Errorf("Validate of a missing agent = %v", err)
	}
	tr = l.tree(`<service name="svc"><ocf name="f" provider="test" type="Fake" state="/tmp/x" rc_validate_all="6"/></service>`, l.env())
	if err := tr.Validate(); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "validate-all exited with 6 (OCF_ERR_CONFIGURED)") {
		t.Errorf("Validate with validate-all failing = %v", err)
	}
}
