package netheart

import (
	"slices"

	"github.com/quorate/quorate/cluster"
)

// Targets chooses whom self heartbeats. When the peers in all (all minus
// self) number at most max, it returns them all. Otherwise it places self
// and all on a ring in ascending id order and returns the k = (max-1)/2
// nearest peers on each side plus master (if master is in all and is not
// self): at most max peers. A max below 3 counts as 3. The result is in
// ascending order and depends only on the arguments as sets.
func Targets(self cluster.NodeID, all []cluster.NodeID, master cluster.NodeID, max int) []cluster.NodeID {
	ring := ringOf(self, all)
	max = maxInt(max, 3)
	var out cluster.NodeSet
	if len(ring)-1 <= max {
		out = cluster.SetOf(ring...)
	} else {
		out = neighbours(ring, self, (max-1)/2)
		if slices.Contains(ring, master) {
			out.Add(master)
		}
	}
	out.Remove(self)
	return out.IDs()
}

// ringOf is the sorted, de-duplicated set of all and self, without 0.
func ringOf(self cluster.NodeID, all []cluster.NodeID) []cluster.NodeID {
	s := cluster.SetOf(all...)
	s.Add(self)
	return s.IDs()
}

// neighbours returns the k ring neighbours on each side of self.
func neighbours(ring []cluster.NodeID, self cluster.NodeID, k int) cluster.NodeSet {
	i, _ := slices.BinarySearch(ring, self)
	n := len(ring)
	var out cluster.NodeSet
	for d := 1; d <= k; d++ {
		out.Add(ring[(i+d)%n])
		out.Add(ring[(i-d+n)%n])
	}
	return out
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
