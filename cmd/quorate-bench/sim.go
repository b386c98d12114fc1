package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/cluster/sim"
	"github.com/quorate/quorate/quorumdisk"
)

// simBench prints the simulated per-node cost at growing cluster sizes,
// with no faults, after the cluster formed.
func simBench() {
	fmt.Println("\nsimulated cost per node per second (no faults, default timings, after forming):")
	fmt.Printf("  %5s %14s %14s %16s %14s %16s\n", "nodes", "slot writes", "read calls", "slots read", "read KiB", "heartbeats sent")
	for _, n := range []int{3, 16, 64, 256} {
		// The simulation is deterministic: a longer run of the same seed
		// repeats the shorter one, so the difference is the steady state.
		formed := sim.New(sim.Options{Seed: 1, Nodes: n, Duration: 2 * time.Second, Converge: true}).Run()
		res := sim.New(sim.Options{Seed: 1, Nodes: n, Duration: 5 * time.Second, Converge: true}).Run()
		if err := errors.Join(formed.Err(), res.Err()); err != nil {
			fmt.Printf("  %5d  simulation failed: %v\n", n, err)
			continue
		}
		secs := (res.Elapsed - formed.Elapsed).Seconds()
		var w, r, sr, hb, maxSR float64
		for i, c := range res.Counters {
			c = sub(c, formed.Counters[i])
			w += float64(c.SlotWrites)
			r += float64(c.SlotReads)
			sr += float64(c.SlotsRead)
			hb += float64(c.HeartbeatsSent) * float64(n-1)
			if float64(c.SlotsRead) > maxSR {
				maxSR = float64(c.SlotsRead)
			}
		}
		per := float64(n) * secs
		fmt.Printf("  %5d %14.1f %14.1f %16.1f %14.1f %16.1f   (busiest node reads %.0f slots/s = %.0f KiB/s)\n", n,
			w/per, r/per, sr/per, sr/per*quorumdisk.SlotPairSize/1024, hb/per, maxSR/secs, maxSR/secs*quorumdisk.SlotPairSize/1024)
	}
}

func sub(a, b cluster.Counters) cluster.Counters {
	a.SlotWrites -= b.SlotWrites
	a.SlotReads -= b.SlotReads
	a.SlotsRead -= b.SlotsRead
	a.HeartbeatsSent -= b.HeartbeatsSent
	return a
}
