//go:build vmtest

package vmtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// qmpExec connects to a QMP socket, negotiates capabilities and executes
// one command, returning its "return" value.
func qmpExec(path, command string) (json.RawMessage, error) {
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadBytes('\n'); err != nil { // greeting
		return nil, fmt.Errorf("qmp greeting: %w", err)
	}
	for _, cmd := range []string{"qmp_capabilities", command} {
		if _, err := fmt.Fprintf(c, "{\"execute\":%q}\n", cmd); err != nil {
			return nil, err
		}
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return nil, fmt.Errorf("qmp %s: %w", cmd, err)
			}
			var m struct {
				Return json.RawMessage `json:"return"`
				Error  *struct {
					Desc string `json:"desc"`
				} `json:"error"`
			}
			if json.Unmarshal(line, &m) != nil {
				continue
			}
			if m.Error != nil {
				return nil, fmt.Errorf("qmp %s: %s", cmd, m.Error.Desc)
			}
			if m.Return != nil {
				if cmd == command {
					return m.Return, nil
				}
				break
			}
		}
	}
	return nil, nil
}

// qmpEvent is one asynchronous QMP event ("WATCHDOG", "RESET", …).
type qmpEvent struct {
	Name string
	Data json.RawMessage
	At   time.Time
}

// qmpListen connects to a QMP socket and delivers qemu's events until
// stop is called. QMP serves one client at a time: while a listener is
// connected, qmpExec on the same socket waits, so stop it first.
func qmpListen(path string) (events <-chan qmpEvent, stop func(), err error) {
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	r := bufio.NewReader(c)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.ReadBytes('\n'); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("qmp greeting: %w", err)
	}
	if _, err := fmt.Fprintf(c, "{\"execute\":\"qmp_capabilities\"}\n"); err != nil {
		c.Close()
		return nil, nil, err
	}
	c.SetDeadline(time.Time{})
	ch := make(chan qmpEvent, 64)
	go func() {
		defer close(ch)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return
			}
			var m struct {
				Event string          `json:"event"`
				Data  json.RawMessage `json:"data"`
			}
			if json.Unmarshal(line, &m) == nil && m.Event != "" {
				select {
				case ch <- qmpEvent{Name: m.Event, Data: m.Data, At: time.Now()}:
				default:
				}
			}
		}
	}()
	return ch, func() { c.Close() }, nil
}

// waitEvent waits for the event name on events.
func waitEvent(events <-chan qmpEvent, name string, within time.Duration) (qmpEvent, error) {
	deadline := time.After(within)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return qmpEvent{}, fmt.Errorf("QMP connection closed before event %s", name)
			}
			if e.Name == name {
				return e, nil
			}
		case <-deadline:
			return qmpEvent{}, fmt.Errorf("no QMP event %s within %v", name, within)
		}
	}
}
