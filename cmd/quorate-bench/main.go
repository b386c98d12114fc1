// Command quorate-bench measures quorate on real processes and in the
// simulator and prints stable figures: failure detection and partition
// resolution times over many trials, idle CPU and memory per node, disk
// and network cost per node, and the simulated cost curve at 3 to 256
// nodes. It needs root for the process measurements (loop device,
// iptables); without root it prints only the simulated figures.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	trials := flag.Int("trials", 20, "trials per timed measurement")
	idle := flag.Duration("idle", 10e9, "how long to sample idle CPU, RSS and I/O")
	simOnly := flag.Bool("sim-only", false, "only the simulated cost curve")
	flag.Parse()
	if !*simOnly {
		if os.Geteuid() != 0 {
			fmt.Println("not root: skipping the process measurements (they need a loop device and iptables)")
		} else if err := processBench(*trials, *idle); err != nil {
			fmt.Fprintln(os.Stderr, "quorate-bench:", err)
			os.Exit(1)
		}
	}
	simBench()
}
