// Command fence_node asks the cluster's master to fence a node by hand, as
// RHCS's fence_node did: the node is evicted, power-fenced through its
// configured methods, and the command returns when the fence is confirmed.
// fence_node -U NODE unfences (runs the node's <unfence> devices).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
