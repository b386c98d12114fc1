package netheart

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/quorate/quorate/cluster"
)

func ids(n ...int) []cluster.NodeID {
	out := make([]cluster.NodeID, len(n))
	for i, v := range n {
		out[i] = cluster.NodeID(v)
	}
	return out
}

func span(a, b int) []cluster.NodeID {
	var out []cluster.NodeID
	for i := a; i <= b; i++ {
		out = append(out, cluster.NodeID(i))
	}
	return out
}

func TestTargetsTable(t *testing.T) {
	cases := []struct {
		name   string
		self   cluster.NodeID
		all    []cluster.NodeID
		master cluster.NodeID
		max    int
		want   []cluster.NodeID
	}{
		{"small cluster: everyone", 2, ids(1, 2, 3), 1, 32, ids(1, 3)},
		{"exactly max peers", 1, span(1, 33), 5, 32, span(2, 33)},
		{"one over: ring plus master", 1, span(1, 34), 20, 32, append(append(span(2, 16), 20), span(20, 34)[1:]...)},
		{"ring wraps, k=2", 1, span(1, 10), 5, 5, ids(2, 3, 5, 9, 10)},
		{"self is master", 5, span(1, 10), 5, 5, ids(3, 4, 6, 7)},
		{"master neighbour", 5, span(1, 10), 6, 5, ids(3, 4, 6, 7)},
		{"no master", 5, span(1, 10), 0, 5, ids(3, 4, 6, 7)},
		{"unknown master ignored", 5, span(1, 10), 99, 5, ids(3, 4, 6, 7)},
		{"duplicates and unsorted", 5, ids(9, 1, 5, 5, 3, 7, 9), 0, 3, ids(3, 7)},
		{"self missing from all", 4, ids(1, 3, 5, 7, 9), 0, 3, ids(3, 5)},
		{"max below 3 counts as 3", 5, span(1, 10), 1, 0, ids(1, 4, 6)},
		{"alone", 1, ids(1), 1, 32, nil},
	}
	for _, c := range cases {
		got := Targets(c.self, c.all, c.master, c.max)
		want := c.want
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", c.name, got, want)
		}
	}
}

// ringDist is the naive oracle: distance between positions i and j on a
// ring of n.
func ringDist(i, j, n int) int {
	d := (i - j + n) % n
	return min(d, n-d)
}

func TestTargetsAgainstOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		all := randomIDs(rng)
		max := rng.IntN(40)
		self := all[rng.IntN(len(all))]
		master := all[rng.IntN(len(all))]
		got := Targets(self, all, master, max)
		want := oracleTargets(self, all, master, max)
		if !slices.Equal(got, want) {
			t.Fatalf("Targets(%d, %v, %d, %d) = %v, oracle %v", self, all, master, max, got, want)
		}
		if len(all)-1 > 3 && len(got) > maxInt(max, 3) {
			t.Fatalf("%d targets, max %d", len(got), max)
		}
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		if again := Targets(self, all, master, max); !slices.Equal(again, got) {
			t.Fatalf("order of all changed the result: %v vs %v", again, got)
		}
	}
}

func randomIDs(rng *rand.Rand) []cluster.NodeID {
	n := 1 + rng.IntN(80)
	s := cluster.NodeSet{}
	for s.Len() < n {
		s.Add(cluster.NodeID(1 + rng.IntN(cluster.MaxNodes)))
	}
	return s.IDs()
}

func oracleTargets(self cluster.NodeID, all []cluster.NodeID, master cluster.NodeID, max int) []cluster.NodeID {
	max = maxInt(max, 3)
	ring := cluster.SetOf(all...).IDs()
	si := slices.Index(ring, self)
	var out []cluster.NodeID
	for j, id := range ring {
		if id == self {
			continue
		}
		if len(ring)-1 <= max || ringDist(si, j, len(ring)) <= (max-1)/2 || id == master {
			out = append(out, id)
		}
	}
	return out
}

// Ring neighbourhood is symmetric: whoever a node heartbeats (master
// aside) heartbeats it back, so no node is heard by nobody.
func TestTargetsSymmetric(t *testing.T) {
	all := span(1, 100)
	for _, a := range all {
		for _, b := range Targets(a, all, 0, 32) {
			if !slices.Contains(Targets(b, all, 0, 32), a) {
				t.Fatalf("%d targets %d but not the reverse", a, b)
			}
		}
	}
}
