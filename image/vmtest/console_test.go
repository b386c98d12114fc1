//go:build vmtest

package vmtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// console is a VM's serial console: everything the VM prints is kept in
// out; commands are typed into the console shell.
type console struct {
	conn net.Conn
	mu   sync.Mutex
	out  bytes.Buffer
	seq  int
}

func dialConsole(path string, within time.Duration) (*console, error) {
	deadline := time.Now().Add(within)
	for {
		conn, err := net.Dial("unix", path)
		if err == nil {
			c := &console{conn: conn}
			go c.read()
			return c, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("serial console %s: %w", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *console) read() {
	buf := make([]byte, 64<<10)
	for {
		n, err := c.conn.Read(buf)
		c.mu.Lock()
		c.out.Write(bytes.ReplaceAll(buf[:n], []byte("\r"), nil))
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (c *console) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// waitFor waits until the console output contains s.
func (c *console) waitFor(s string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for !strings.Contains(c.text(), s) {
		if time.Now().After(deadline) {
			return fmt.Errorf("console did not print %q within %v", s, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

var errNoAnswer = errors.New("no answer on the console")

// run types cmd into the console shell and returns what it printed
// between two marker lines. The markers are spelled with an empty quoted
// string inside ("@@B""EGIN-7@@") so the echo of the typed line never
// matches them.
func (c *console) run(cmd string, within time.Duration) (string, error) {
	c.mu.Lock()
	c.seq++
	n := c.seq
	start := c.out.Len()
	c.mu.Unlock()
	// The markers are matched without their line ends: a log line that
	// another process writes to the console can land between a marker
	// and its newline.
	begin, end := fmt.Sprintf("@@BEGIN-%d@@", n), fmt.Sprintf("@@END-%d@@", n)
	line := fmt.Sprintf("echo @@B\"\"EGIN-%d@@; %s; echo @@E\"\"ND-%d@@\n", n, cmd, n)
	if _, err := c.conn.Write([]byte(line)); err != nil {
		return "", err
	}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		out := c.text()[start:]
		i := strings.Index(out, begin)
		j := strings.Index(out, end)
		if i >= 0 && j > i {
			return out[i+len(begin) : j], nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("%w: %q within %v", errNoAnswer, cmd, within)
}

func (c *console) close() { c.conn.Close() }

// jsonBlock returns the first block of lines from a line "{" to a line
// "}" (indented JSON, as clustat --json prints it), skipping log lines
// that other processes wrote to the console around it and into it.
func jsonBlock(s string) (string, bool) {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !isLogLine(l) {
			lines = append(lines, l)
		}
	}
	for i, l := range lines {
		if l != "{" {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			if lines[j] == "}" {
				return strings.Join(lines[i:j+1], "\n"), true
			}
		}
	}
	return "", false
}

// isLogLine tells the appliance's log lines (uinit's "up=…", quorated's
// "time=…", possibly after the shell's prompt) from command output.
func isLogLine(l string) bool {
	l = strings.TrimPrefix(l, "$ ")
	return strings.HasPrefix(l, "time=") || strings.HasPrefix(l, "up=")
}
