package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"time"
)

// consoleShell keeps a shell on the console (like a getty), so an operator
// can run clustat and clusvcadm there. Disabled with quorate.shell=0.
func consoleShell(ctx context.Context, log *slog.Logger) {
	for ctx.Err() == nil {
		cmd := exec.CommandContext(ctx, shellPath())
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), "PS1=quorate# ")
		if err := cmd.Run(); err != nil {
			log.Debug("console shell exited", "err", err)
		}
		time.Sleep(time.Second)
	}
}

func shellPath() string {
	for _, p := range []string{"/bin/defaultsh", "/bbin/gosh", "/bin/sh"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "/bbin/gosh"
}
