package fencer

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	c := cluster(t, `<fence>
        <method name="1"><device name="ipmi-n1"/></method>
        <method name="2"><device name="ghost"/></method>
        <method name="3"><device name="nopass"/></method>
        <method name="4"><device name="badcipher"/></method>
        <method name="5"><device name="ok" action="status"/></method>
        <method name="6"><device name="ok" action="halt"/></method>
      </fence>
      <unfence><device name="noaddr"/></unfence>`,
		`<fencedevice name="ipmi-n1" agent="fence_ipmilan" ipaddr="10.0.1.1" login="admin" passwd="pw"/>
      <fencedevice name="ghost" agent="fence_does_not_exist"/>
      <fencedevice name="nopass" agent="fence_ipmilan" native="1" ipaddr="10.0.1.1" login="admin"/>
      <fencedevice name="badcipher" agent="fence_ipmilan" native="1" ipaddr="10.0.1.1" login="admin" passwd="pw" cipher="x"/>
      <fencedevice name="noaddr" agent="fence_ipmilan" login="admin" passwd="pw"/>
      <fencedevice name="ok" agent="fence_test_ok"/>`)
	f, _ := testFencer(t, Options{})
	errs := f.Validate(c)
	want := []struct {
		sentinel error
		parts    []string
	}{
		{ErrUnknownAgent, []string{`<device name="ghost">`, "node n1, method 2", "fence_does_not_exist is not installed", "install fence-agents"}},
		{ErrMissingParam, []string{`<device name="nopass">`, "method 3", "passwd", `<fencedevice name="nopass"> (line`}},
		{ErrBadParam, []string{`<device name="badcipher">`, `cipher="x"`}},
		{ErrBadParam, []string{"method 5", `action "status" does not fence`}},
		{ErrBadParam, []string{"method 6", `action "halt"`}},
		{ErrMissingParam, []string{"method unfence", "ipaddr"}},
		{ErrNoMethods, []string{"node n2", "no fence methods"}},
	}
	if len(errs) != len(want) {
		t.Fatalf("Validate returned %d errors, want %d:\n%v", len(errs), len(want), errs)
	}
	for i, w := range want {
		err := errs[i]
		var ce *ConfigError
		if !errors.Is(err, w.sentinel) || !errors.As(err, &ce) || ce.Line == 0 || !strings.HasPrefix(err.Error(), "cluster.conf:") {
			t.Errorf("error %d = %v, want a located *ConfigError wrapping %v", i, err, w.sentinel)
		}
		for _, p := range w.parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %d %q lacks %q", i, err, p)
			}
		}
	}
	// fence_ipmilan is always available: native when the binary is missing.
	for _, err := range errs {
		if ce := new(ConfigError); errors.As(err, &ce) && ce.Method == "1" {
			t.Errorf("method 1 (fence_ipmilan, not installed in the test dirs) reported: %v", ce)
		}
	}
}

func TestValidateNoMethodsAndClean(t *testing.T) {
	c := cluster(t, `<fence><method name="1"><device name="ok"/></method></fence>`, `<fencedevice name="ok" agent="fence_test_ok"/>`)
	f, _ := testFencer(t, Options{})
	errs := f.Validate(c)
	if len(errs) != 1 || !errors.Is(errs[0], ErrNoMethods) || !strings.Contains(errs[0].Error(), "node n2") {
		t.Errorf("Validate = %v, want only n2 without fence methods", errs)
	}
	if errs := f.Validate(nil); len(errs) != 1 {
		t.Errorf("Validate(nil) = %v", errs)
	}
}

func TestNativeSelection(t *testing.T) {
	dir := agentDir(t)
	f, _ := testFencer(t, Options{AgentDirs: []string{dir}})
	p := map[string]string{}
	if r, err := f.resolve("fence_ipmilan", p); err != nil || r.kind != "native" {
		t.Errorf("fence_ipmilan not installed: %+v %v, want native", r, err)
	}
	if _, err := f.resolve("fence_ipmilan", map[string]string{"native": "0"}); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("native=0 without the binary = %v, want ErrUnknownAgent", err)
	}
	if _, err := f.resolve("fence_test_ok", map[string]string{"native": "1"}); !errors.Is(err, ErrBadParam) {
		t.Errorf("native=1 on another agent = %v, want ErrBadParam", err)
	}
	if _, err := f.resolve("/bin/sh", p); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("a path as agent = %v, want refused", err)
	}
	if r, err := f.resolve("fence_test_ok", p); err != nil || r.kind != dir+"/fence_test_ok" {
		t.Errorf("external = %+v %v", r, err)
	}
	custom := &ExternalAgent{}
	g, _ := testFencer(t, Options{Agents: map[string]Agent{"fence_ipmilan": custom}})
	if r, _ := g.resolve("fence_ipmilan", map[string]string{"native": "1"}); r.agent != custom {
		t.Error("Options.Agents does not take precedence")
	}
}
