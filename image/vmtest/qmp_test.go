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
