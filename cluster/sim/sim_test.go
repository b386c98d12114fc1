package sim

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	flagSeeds   = flag.Int("seeds", 1000, "number of seeds to simulate")
	flagSeed    = flag.Uint64("seed", 0, "replay one seed (with its full trace)")
	flagNodes   = flag.Int("nodes", 0, "nodes per cluster (0: 2..5 drawn from the seed)")
	flagTrace   = flag.Int("tracelines", 200, "trace lines kept for a failure report")
	flagSvcLive = flag.Bool("svcliveness", true, "also require every service to settle after the faults heal")
	flagFrom    = flag.Uint64("from", 1, "first seed of a -seeds run")
)

// options derives a run from a seed alone, so a seed replays exactly.
func options(seed uint64) Options {
	rng := rand.New(rand.NewPCG(seed, 1))
	nodes := *flagNodes
	if nodes == 0 {
		nodes = 2 + rng.IntN(4)
	}
	until := 6 * time.Second
	return Options{Seed: seed, Nodes: nodes, Duration: until + 4*time.Second,
		Faults: DefaultFaults(rng, until), Converge: true, Trace: *flagTrace, ServiceLiveness: *flagSvcLive}
}

func TestSimulatedSeeds(t *testing.T) {
	if *flagSeed != 0 {
		res := New(options(*flagSeed)).Run()
		for _, l := range res.Trace {
			t.Log(l)
		}
		if err := res.Err(); err != nil {
			t.Fatal(err)
		}
		return
	}
	seeds := *flagSeeds
	if testing.Short() {
		seeds = 100
	}
	var (
		mu     sync.Mutex
		failed []Result
		wg     sync.WaitGroup
		next   = make(chan uint64)
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range next {
				if res := New(options(seed)).Run(); res.Err() != nil {
					mu.Lock()
					failed = append(failed, res)
					mu.Unlock()
				}
			}
		}()
	}
	for seed := *flagFrom; seed < *flagFrom+uint64(seeds); seed++ {
		next <- seed
	}
	close(next)
	wg.Wait()
	for i, res := range failed {
		if i < 3 {
			t.Errorf("%v\nreplay with: go test ./cluster/sim -run TestSimulatedSeeds -seed=%d", res.Err(), res.Seed)
		}
	}
	if len(failed) > 0 {
		sort.Slice(failed, func(i, j int) bool { return failed[i].Seed < failed[j].Seed })
		var list []string
		for _, res := range failed {
			list = append(list, fmt.Sprintf("%d (%s)", res.Seed, res.Violations[0]))
		}
		t.Fatalf("%d of %d seeds failed:\n%s", len(failed), seeds, strings.Join(list, "\n"))
	}
}

// TestReplayIsExact runs one seed twice and compares traces.
func TestReplayIsExact(t *testing.T) {
	a := New(options(42)).Run()
	b := New(options(42)).Run()
	if a.Events != b.Events || len(a.Trace) != len(b.Trace) {
		t.Fatalf("replay differs: %d vs %d events", a.Events, b.Events)
	}
	for i := range a.Trace {
		if a.Trace[i] != b.Trace[i] {
			t.Fatalf("replay differs at line %d:\n%s\n%s", i, a.Trace[i], b.Trace[i])
		}
	}
}

// TestQuietClusterForms: with no faults three nodes elect one master and
// all become quorate members within a few seconds.
func TestQuietClusterForms(t *testing.T) {
	res := New(Options{Seed: 7, Nodes: 3, Duration: 3 * time.Second, Converge: true}).Run()
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
}
