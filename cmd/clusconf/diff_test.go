package main

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// apply rebuilds both sides from an edit script.
func apply(ops []lineOp) (a, b []string) {
	for _, op := range ops {
		if op.op != '+' {
			a = append(a, op.line)
		}
		if op.op != '-' {
			b = append(b, op.line)
		}
	}
	return a, b
}

// lcs is the naive oracle: the length of a longest common subsequence.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := range a {
		cur := make([]int, len(b)+1)
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}

// TestDiffLinesMinimal checks on random inputs that the edit script
// rebuilds both sides and keeps a longest common subsequence.
func TestDiffLinesMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		a, b := randomLines(r), randomLines(r)
		ops := diffLines(a, b)
		ga, gb := apply(ops)
		if strings.Join(ga, "") != strings.Join(a, "") || strings.Join(gb, "") != strings.Join(b, "") {
			t.Fatalf("case %d: script does not rebuild the inputs\na=%q\nb=%q\nops=%q", i, a, b, ops)
		}
		kept := 0
		for _, op := range ops {
			if op.op == ' ' {
				kept++
			}
		}
		if want := lcs(a, b); kept != want {
			t.Fatalf("case %d: kept %d lines, the longest common subsequence has %d\na=%q\nb=%q", i, kept, want, a, b)
		}
	}
}

func randomLines(r *rand.Rand) []string {
	out := make([]string, r.IntN(12))
	for i := range out {
		out[i] = string(rune('a'+r.IntN(4))) + "\n"
	}
	return out
}

func TestUnifiedDiffFormat(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	b := "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n12\n13"
	want := "--- a\n+++ b\n@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n" +
		"@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n\\ No newline at end of file\n"
	if got := unifiedDiff("a", "b", []byte(a), []byte(b)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := unifiedDiff("a", "b", nil, []byte("x\n")); got != "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("diff from empty: %q", got)
	}
	if got := unifiedDiff("a", "b", []byte(a), []byte(a)); got != "" {
		t.Errorf("equal inputs: %q", got)
	}
}
