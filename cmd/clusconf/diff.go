package main

import (
	"fmt"
	"slices"
	"strings"
)

// diffContext is the number of unchanged lines around each hunk.
const diffContext = 3

// maxEditDistance bounds the work of the line diff; beyond it the
// differing middle is shown as removed and added wholesale.
const maxEditDistance = 2000

// lineOp is one line of an edit script: ' ' kept, '-' removed, '+' added.
type lineOp struct {
	op   byte
	line string // with its newline, if it had one
}

// unifiedDiff returns the differences from a to b in unified format
// (diff -u), or "" when they are equal.
func unifiedDiff(aName, bName string, a, b []byte) string {
	ops := diffLines(splitLines(string(a)), splitLines(string(b)))
	hunks := hunkRanges(ops)
	if len(hunks) == 0 {
		return ""
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	for _, h := range hunks {
		writeHunk(&out, ops, h[0], h[1])
	}
	return out.String()
}

// splitLines cuts s after each newline; the last line may lack one.
func splitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// diffLines is a shortest edit script from a to b: common prefix and
// suffix, and Myers' O(ND) algorithm in between.
func diffLines(a, b []string) []lineOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []lineOp
	for _, l := range a[:pre] {
		ops = append(ops, lineOp{' ', l})
	}
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, lineOp{' ', l})
	}
	return ops
}

// myers finds a shortest edit script. trace[d][k+d] is the furthest x
// reached on diagonal k = x-y with d edits.
func myers(a, b []string) []lineOp {
	n, m := len(a), len(b)
	var trace [][]int
	for d := 0; d <= min(n+m, maxEditDistance); d++ {
		v := make([]int, 2*d+1)
		for k := -d; k <= d; k += 2 {
			x := 0
			if d > 0 {
				prev := trace[d-1]
				if k == -d || k != d && prev[k-1+d-1] < prev[k+1+d-1] {
					x = prev[k+1+d-1] // down: insert b[y]
				} else {
					x = prev[k-1+d-1] + 1 // right: delete a[x]
				}
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[k+d] = x
			if x >= n && y >= m {
				return backtrack(append(trace, v), a, b)
			}
		}
		trace = append(trace, v)
	}
	ops := make([]lineOp, 0, n+m)
	for _, l := range a {
		ops = append(ops, lineOp{'-', l})
	}
	for _, l := range b {
		ops = append(ops, lineOp{'+', l})
	}
	return ops
}

func backtrack(trace [][]int, a, b []string) []lineOp {
	x, y := len(a), len(b)
	var rev []lineOp
	for d := len(trace) - 1; d > 0; d-- {
		prev := trace[d-1]
		k := x - y
		pk := k - 1
		if k == -d || k != d && prev[k-1+d-1] < prev[k+1+d-1] {
			pk = k + 1
		}
		px := prev[pk+d-1]
		mx := px + 1 // where the edit before the snake landed
		if pk == k+1 {
			mx = px
		}
		for x > mx {
			rev = append(rev, lineOp{' ', a[x-1]})
			x--
			y--
		}
		if pk == k+1 {
			rev = append(rev, lineOp{'+', b[y-1]})
			y--
		} else {
			rev = append(rev, lineOp{'-', a[x-1]})
			x--
		}
	}
	for x > 0 && y > 0 {
		rev = append(rev, lineOp{' ', a[x-1]})
		x--
		y--
	}
	slices.Reverse(rev)
	return rev
}

// hunkRanges groups the changes of ops into [start, end) ranges with
// diffContext unchanged lines around them, merging ranges that touch.
func hunkRanges(ops []lineOp) [][2]int {
	var out [][2]int
	for i, op := range ops {
		if op.op == ' ' {
			continue
		}
		start, end := max(0, i-diffContext), min(len(ops), i+1+diffContext)
		if len(out) > 0 && start <= out[len(out)-1][1] {
			out[len(out)-1][1] = end
		} else {
			out = append(out, [2]int{start, end})
		}
	}
	return out
}

func writeHunk(out *strings.Builder, ops []lineOp, start, end int) {
	aLine, bLine := 1, 1
	for _, op := range ops[:start] {
		if op.op != '+' {
			aLine++
		}
		if op.op != '-' {
			bLine++
		}
	}
	aLen, bLen := 0, 0
	for _, op := range ops[start:end] {
		if op.op != '+' {
			aLen++
		}
		if op.op != '-' {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkSpan(aLine, aLen), hunkSpan(bLine, bLen))
	for _, op := range ops[start:end] {
		out.WriteByte(op.op)
		out.WriteString(op.line)
		if !strings.HasSuffix(op.line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkSpan formats "start,len" as diff -u does: an empty range names the
// line before it.
func hunkSpan(start, n int) string {
	if n == 0 {
		start--
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
