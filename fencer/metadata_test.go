package fencer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	data, err := os.ReadFile("testdata/fence_ipmilan-metadata.xml") // Debian fence-agents 4.12
	if err != nil {
		t.Fatal(err)
	}
	m := parseMetadata(data)
	if !m.known || !m.actions["reboot"] || !m.actions["off"] || m.fabric() {
		t.Errorf("fence_ipmilan metadata = %+v, want a power agent with reboot", m)
	}
	if m := parseMetadata([]byte("not xml")); m.known || m.fabric() {
		t.Errorf("garbage metadata = %+v", m)
	}
}

func TestFabricAgentDefaultsToOffAndCannotReboot(t *testing.T) {
	dir := t.TempDir()
	state, dump := filepath.Join(dir, "state"), filepath.Join(dir, "dump")
	dev := `<fencedevice name="san" agent="fence_test_fabric" state="` + state + `" dump="` + dump + `"/>`
	c := cluster(t, `<fence><method name="1"><device name="san"/></method></fence>`, dev)
	f, _ := testFencer(t, Options{})
	out := f.Fence(context.Background(), Request{Node: node1(c), Cluster: c})
	if !out.Success || out.Attempts[0].Action != ActionOff {
		t.Fatalf("outcome = %+v, want success with action off", out)
	}
	if got, _ := os.ReadFile(dump); strings.Fields(string(got))[0] != "off" || strings.Contains(string(got), "on") {
		t.Errorf("fabric agent calls = %q, want off and status only (never on)", got)
	}
	c = cluster(t, `<fence><method name="1"><device name="san" action="reboot"/></method></fence>`, dev)
	out = f.Fence(context.Background(), Request{Node: node1(c), Cluster: c})
	if out.Success || !strings.Contains(out.Attempts[0].Err, "fabric agent") {
		t.Errorf("reboot through a fabric agent = %+v, want refused", out)
	}
	errs := f.Validate(c)
	if len(errs) != 2 || !errors.Is(errs[0], ErrBadParam) || !strings.Contains(errs[0].Error(), "cannot reboot") {
		t.Errorf("Validate = %v, want the reboot refused (and n2 without methods)", errs)
	}
}
