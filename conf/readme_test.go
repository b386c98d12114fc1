package conf

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeListsEveryAttribute keeps the README's cluster.conf reference
// true: every attribute the schema knows must appear in it, in backquotes.
func TestReadmeListsEveryAttribute(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Skipf("no README beside the package: %v", err)
	}
	text := string(b)
	start := strings.Index(text, "## cluster.conf reference")
	end := strings.Index(text[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("README has no cluster.conf reference section")
	}
	ref := text[start : start+1+end]
	lists := map[string][]string{"cluster": clusterAttrs, "cman": cmanAttrs, "totem": totemAttrs, "quorumd": quorumdAttrs,
		"heuristic": heuristicAttrs, "fence_daemon": fenceDaemonAttrs, "clusternode": nodeAttrs, "method": methodAttrs,
		"rm": rmAttrs, "failoverdomain": domainAttrs, "failoverdomainnode": domainNodeAttrs, "service": serviceAttrs,
		"action": actionAttrs}
	for elem, attrs := range lists {
		if !strings.Contains(ref, "`<"+elem) {
			t.Errorf("README reference lacks element <%s>", elem)
		}
		for _, a := range attrs {
			if !strings.Contains(ref, "`"+a+"`") {
				t.Errorf("README reference lacks <%s %s>", elem, a)
			}
		}
	}
	for _, typ := range ResourceTypes {
		if !strings.Contains(ref, "`<"+typ+">`") {
			t.Errorf("README reference lacks resource type <%s>", typ)
		}
	}
}
