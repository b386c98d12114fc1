// Command clusvcadm controls services with rgmanager's options: enable,
// disable, stop, relocate, restart, freeze and unfreeze, through the local
// quorated, which hands the request to the master.
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
