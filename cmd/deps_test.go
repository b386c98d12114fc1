// Package cmd_test enforces that the operator CLIs reach the daemon only
// through the api package: they must not link the cluster state machine or
// the fencer.
package cmd_test

import (
	"os/exec"
	"strings"
	"testing"
)

func TestCLIDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not in PATH; cannot list dependencies")
	}
	const mod = "github.com/quorate/quorate/"
	for _, cli := range []string{"clustat", "clusvcadm", "fence_node"} {
		out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", "./"+cli).Output()
		if err != nil {
			t.Fatalf("go list -deps ./%s: %v", cli, err)
		}
		sawAPI := false
		for _, d := range strings.Fields(string(out)) {
			sawAPI = sawAPI || d == mod+"api"
			for _, f := range []string{mod + "cluster", mod + "fencer"} {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("cmd/%s depends on %s; CLIs must reach the daemon only through %sapi", cli, d, mod)
				}
			}
		}
		if !sawAPI {
			t.Errorf("cmd/%s: dependency list lacks %sapi, so it cannot be the right list", cli, mod)
		}
	}
}
