package conf

import (
	"fmt"
	"strings"
)

// maxCandidates bounds the names a suggestion is searched among.
const maxCandidates = 1000

// names lists up to maxCandidates+1 names, name(i) for i < n; one more
// than the bound is enough for nearest to refuse.
func names(n int, name func(i int) string) []string {
	n = min(n, maxCandidates+1)
	out := make([]string, n)
	for i := range out {
		out[i] = name(i)
	}
	return out
}

// levenshtein is the edit distance between a and b (insertions,
// deletions and substitutions of bytes).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// nearest returns the candidate closest to word (case-insensitive), or ""
// when none is close enough to be a plausible typo. Ties go to the
// earlier candidate.
func nearest(word string, candidates []string) string {
	if len(word) > 64 || len(candidates) > maxCandidates {
		return ""
	}
	w := strings.ToLower(word)
	limit := min(3, 1+len(w)/3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := levenshtein(w, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// didYouMean is the Fix for a misspelt name: a suggestion when one is
// close, else the list of valid names. format renders one name, e.g.
// `"%s"` or `<%s>`.
func didYouMean(word string, candidates []string, format, otherwise string) string {
	if s := nearest(word, candidates); s != "" {
		return fmt.Sprintf("did you mean "+format+"?", s)
	}
	if len(candidates) == 0 {
		return otherwise
	}
	var b strings.Builder
	for i, c := range candidates {
		if i > 0 {
			b.WriteString(", ")
		}
		if b.Len() > 300 {
			b.WriteString("...")
			break
		}
		fmt.Fprintf(&b, format, c)
	}
	return otherwise + "; known: " + b.String()
}
