package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies enforces that clusconf reaches the daemon only through
// the api package: it must not link the cluster state machine, the
// fencer, the quorum disk or the service manager.
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not in PATH; cannot list dependencies")
	}
	cmd := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", ".")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps: %v\n%s", err, stderr)
	}
	deps := strings.Fields(string(out))
	const mod = "github.com/quorate/quorate/"
	forbidden := []string{mod + "cluster", mod + "fencer", mod + "quorumdisk", mod + "svcmgr"}
	sawAPI := false
	for _, d := range deps {
		sawAPI = sawAPI || d == mod+"api"
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("cmd/clusconf depends on %s; CLIs must reach the daemon only through %sapi", d, mod)
			}
		}
	}
	if !sawAPI {
		t.Errorf("dependency list lacks %sapi, so it cannot be the right list:\n%s", mod, out)
	}
}
