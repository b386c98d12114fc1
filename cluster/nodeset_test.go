package cluster

import (
	"math/rand/v2"
	"testing"
)

func TestRankIsTheIndexInIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var s NodeSet
		for range r.IntN(MaxNodes) {
			s.Add(NodeID(1 + r.IntN(MaxNodes)))
		}
		for i, id := range s.IDs() {
			if got := s.rank(id); got != i {
				t.Fatalf("rank(%d) = %d in %v, want %d", id, got, s, i)
			}
		}
	}
	rec := MasterRecord{Members: SetOf(2, 70, 200), MemberIncs: []uint32{5, 6, 7}}
	if !rec.Admits(70, 6) || rec.Admits(70, 5) || !rec.Admits(200, 7) || rec.Admits(3, 5) {
		t.Error("Admits does not match members to their incarnations by position")
	}
}
