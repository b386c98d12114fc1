package harness

import (
	"fmt"
	"time"

	"github.com/quorate/quorate/api"
)

// Until polls cond every step until it holds or timeout passes, and
// returns how long it took.
func Until(timeout, step time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) > timeout {
			return time.Since(start), false
		}
		time.Sleep(step)
	}
}

// MemberState is the state node `of` reports for member `name` ("" if
// the daemon does not answer).
func (n *Node) MemberState(name string) string {
	st, err := n.Status()
	if err != nil {
		return ""
	}
	for _, m := range st.Members {
		if m.Name == name {
			return m.State
		}
	}
	return ""
}

// Formed reports whether every running node is a quorate member and all
// agree on one master; it returns the master's name.
func (c *Cluster) Formed() (string, bool) {
	master := ""
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		st, err := n.Status()
		if err != nil || !st.Quorum.Quorate {
			return "", false
		}
		m := masterOf(st)
		if m == "" || (master != "" && m != master) {
			return "", false
		}
		master = m
		for _, o := range c.Nodes {
			if o.Running() && stateOf(st, o.Name) != "online" {
				return "", false
			}
		}
	}
	return master, master != ""
}

// WaitFormed waits until Formed holds.
func (c *Cluster) WaitFormed(timeout time.Duration) (string, error) {
	var master string
	_, ok := Until(timeout, 20*time.Millisecond, func() bool {
		var ok bool
		master, ok = c.Formed()
		return ok
	})
	if !ok {
		return "", fmt.Errorf("cluster did not form within %v:\n%s", timeout, c.Describe())
	}
	return master, nil
}

// Describe prints each running node's view, for failure messages.
func (c *Cluster) Describe() string {
	s := ""
	for _, n := range c.Nodes {
		st, err := n.Status()
		if err != nil {
			s += fmt.Sprintf("%s: %v\n", n.Name, err)
			continue
		}
		s += fmt.Sprintf("%s: quorate=%v master=%q members=", n.Name, st.Quorum.Quorate, masterOf(st))
		for _, m := range st.Members {
			s += fmt.Sprintf("%s:%s ", m.Name, m.State)
		}
		s += "\n"
	}
	return s
}

// Node returns the node called name.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

func masterOf(st *api.Status) string {
	for _, m := range st.Members {
		if m.Master {
			return m.Name
		}
	}
	return ""
}

func stateOf(st *api.Status, name string) string {
	for _, m := range st.Members {
		if m.Name == name {
			return m.State
		}
	}
	return ""
}
