package fencer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxOutput bounds the output kept from one agent run.
const maxOutput = 16 << 10

// ExternalAgent runs a standard fence agent (fence_ipmilan, fence_scsi,
// fence_virsh, ...) with the fence-agents stdin protocol: the parameters
// as "key=value" lines on stdin, no arguments. The agent runs in its own
// process group; when ctx ends the whole group is killed with SIGKILL.
//
// Exit codes (fence-agents API): off and on succeed with 0; status and
// monitor return 0 for on, 2 for off, anything else means the state could
// not be read.
type ExternalAgent struct {
	Path string       // absolute path of the executable
	Log  *slog.Logger // nil = discard
}

// Do runs the agent once; see DoOutput.
func (a *ExternalAgent) Do(ctx context.Context, action Action, params map[string]string) (Status, error) {
	st, _, err := a.DoOutput(ctx, action, params)
	return st, err
}

// DoOutput runs the agent once and returns its stdout and stderr
// (interleaved, at most 16 KiB, secrets replaced by "******").
func (a *ExternalAgent) DoOutput(ctx context.Context, action Action, params map[string]string) (Status, string, error) {
	name := agentName(a.Path)
	in, err := encodeStdin(action, params)
	if err != nil {
		return Unknown, "", err
	}
	if err := ctx.Err(); err != nil {
		return Unknown, "", fmt.Errorf("%s %s: %w: %v", name, action, ErrTimeout, err)
	}
	out := &capBuffer{max: maxOutput}
	cmd, runErr := runGroup(ctx, a.Path, in, out)
	text := newRedactor(params).String(out.String())
	logger(a.Log).Debug("fence agent ran", "agent", name, "action", string(action), "exit", exitCode(cmd))
	st, err := a.interpret(ctx, name, action, cmd, runErr, text)
	return st, text, err
}

// runGroup runs path with stdin in its own process group, output to out;
// when ctx ends the whole group gets SIGKILL, and a grandchild that keeps
// the output pipe open cannot block the return by more than a second.
func runGroup(ctx context.Context, path string, stdin []byte, out *capBuffer) (*exec.Cmd, error) {
	cmd := exec.CommandContext(ctx, path)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	return cmd, cmd.Run()
}

// interpret maps the exit status of a finished agent to a Status and error.
func (a *ExternalAgent) interpret(ctx context.Context, name string, action Action, cmd *exec.Cmd, runErr error, text string) (Status, error) {
	if ctx.Err() != nil {
		return Unknown, fmt.Errorf("%s %s: %w: no answer in time; killed its process group", name, action, ErrTimeout)
	}
	var ee *exec.ExitError
	if runErr != nil && !errors.As(runErr, &ee) {
		return Unknown, fmt.Errorf("%s %s: %w: %v", name, action, ErrAgentFailed, runErr)
	}
	code := exitCode(cmd)
	if action.query() {
		switch code {
		case 0:
			return On, nil
		case 2:
			return Off, nil
		}
	} else if code == 0 {
		return Unknown, nil
	}
	return Unknown, &AgentError{Agent: name, Action: action, ExitCode: code, LastLine: lastLine(text)}
}

// AgentError is a fence agent that exited with a failure code.
type AgentError struct {
	Agent    string
	Action   Action
	ExitCode int    // -1 when killed by a signal
	LastLine string // last non-empty output line, secrets removed
}

func (e *AgentError) Error() string {
	s := fmt.Sprintf("%s %s: exit status %d", e.Agent, e.Action, e.ExitCode)
	if n, ok := exitNames[e.ExitCode]; ok && e.ExitCode != 2 {
		s += " (" + n + ")"
	}
	if e.LastLine != "" {
		s += ": " + e.LastLine
	}
	return s
}

// Unwrap returns ErrAgentFailed.
func (e *AgentError) Unwrap() error { return ErrAgentFailed }

// exitNames are the fence-agents library EC_* codes.
var exitNames = map[int]string{
	1: "generic error", 2: "bad arguments", 3: "login denied", 4: "connection lost",
	5: "timed out", 6: "timed out waiting to power on", 7: "timed out waiting to power off",
	8: "cannot read plug status", 9: "cannot read plug status", 10: "password missing",
	11: "insufficient privileges", 12: "VM UUID not found",
}

func exitCode(cmd *exec.Cmd) int {
	if cmd.ProcessState == nil {
		return -1
	}
	return cmd.ProcessState.ExitCode()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 200 {
		l = l[:200] + "..."
	}
	return l
}

func agentName(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

// capBuffer keeps the first max bytes written to it and counts the rest.
type capBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	dropped int
}

func (c *capBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := c.max - c.buf.Len()
	if room >= len(p) {
		c.buf.Write(p)
	} else {
		c.buf.Write(p[:max(room, 0)])
		c.dropped += len(p) - max(room, 0)
	}
	return len(p), nil
}

func (c *capBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped > 0 {
		return fmt.Sprintf("%s\n[%d more bytes dropped]", c.buf.String(), c.dropped)
	}
	return c.buf.String()
}

// logger returns l, or a logger that discards everything.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
