package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// outputTail is how much of a program's output errors quote.
const outputTail = 512

// run runs argv with env in its own process group and returns its exit
// code (-1 when killed by a signal) and the tail of its output. When ctx
// ends first, the whole group is killed and the error wraps ErrTimeout.
// Output goes to an unlinked temporary file, not a pipe, so a daemon the
// program leaves behind cannot hold run up.
func run(ctx context.Context, argv, env []string) (int, string, error) {
	code, out, err := execute(ctx, argv, env)
	if out == nil {
		return code, "", err
	}
	defer out.Close()
	return code, tail(out), err
}

// maxOutput bounds what runOutput returns.
const maxOutput = 1 << 20

// runOutput is run returning all the output (up to maxOutput bytes).
func runOutput(ctx context.Context, argv, env []string) (int, []byte, error) {
	code, out, err := execute(ctx, argv, env)
	if out == nil {
		return code, nil, err
	}
	defer out.Close()
	data, rerr := io.ReadAll(io.NewSectionReader(out, 0, maxOutput))
	if err == nil {
		err = rerr
	}
	return code, data, err
}

func execute(ctx context.Context, argv, env []string) (int, *os.File, error) {
	out, err := os.CreateTemp("", "quorate-run-")
	if err != nil {
		return 0, nil, err
	}
	os.Remove(out.Name())
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = env, "/", out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return 0, nil, err
	}
	err = waitOrKill(ctx, cmd)
	if errors.Is(err, ErrTimeout) {
		return -1, out, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out, nil
	}
	return 0, out, err
}

// waitOrKill waits for cmd; if ctx ends first it kills cmd's process
// group and returns ErrTimeout.
func waitOrKill(ctx context.Context, cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
		<-done
		return fmt.Errorf("%w (%v); killed it", ErrTimeout, context.Cause(ctx))
	}
}

// tail returns the last outputTail bytes written to f, on one line.
func tail(f *os.File) string {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return ""
	}
	start := max(0, size-outputTail)
	buf := make([]byte, size-start)
	n, _ := f.ReadAt(buf, start)
	s := strings.TrimSpace(string(buf[:n]))
	s = strings.Join(strings.Fields(s), " ")
	if start > 0 {
		s = "…" + s
	}
	return s
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkExecutable reports whether path is an executable regular file.
func checkExecutable(path, what, fix string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return notInstalledErr(fmt.Sprintf("%s %s does not exist", what, path), fix)
	case err != nil:
		return notInstalledErr(fmt.Sprintf("%s %s: %v", what, path, err), fix)
	case !fi.Mode().IsRegular():
		return notInstalledErr(fmt.Sprintf("%s %s is not a regular file", what, path), fix)
	case unix.Access(path, unix.X_OK) != nil || fi.Mode().Perm()&0o111 == 0:
		return notInstalledErr(fmt.Sprintf("%s %s is not executable", what, path), "run chmod +x "+path)
	}
	return nil
}
