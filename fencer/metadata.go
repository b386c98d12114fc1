package fencer

import (
	"context"
	"encoding/xml"
	"time"
)

// agentMeta is what quorate needs from an agent's metadata.
type agentMeta struct {
	known   bool            // metadata was read
	actions map[string]bool // <actions><action name=...>
}

// fabric reports a fabric (storage or switch) agent: it lists actions but
// not reboot. Such agents cut a node off but never power it back on, so
// their default action is off and reboot is refused (fence-agents API).
func (m agentMeta) fabric() bool { return m.known && len(m.actions) > 0 && !m.actions["reboot"] }

// metadata runs "action=metadata" (bounded by the per-call timeout) and
// caches a successful answer per agent path; an agent without usable
// metadata counts as a power agent and is asked again next time.
func (f *Fencer) metadata(path string) agentMeta {
	f.mu.Lock()
	m, ok := f.meta[path]
	f.mu.Unlock()
	if ok {
		return m
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(f.opts.Timeout, 10*time.Second))
	defer cancel()
	out := &capBuffer{max: 1 << 20}
	cmd, err := runGroup(ctx, path, []byte("action=metadata\n"), out)
	if err != nil || cmd.ProcessState.ExitCode() != 0 {
		f.log.Debug("fence agent has no metadata", "agent", path, "err", err)
		return agentMeta{}
	}
	if m = parseMetadata([]byte(out.String())); m.known {
		f.mu.Lock()
		if f.meta == nil {
			f.meta = map[string]agentMeta{}
		}
		f.meta[path] = m
		f.mu.Unlock()
	}
	return m
}

// parseMetadata reads the <actions> of a fence agent's metadata XML.
func parseMetadata(data []byte) agentMeta {
	var doc struct {
		Actions []struct {
			Name string `xml:"name,attr"`
		} `xml:"actions>action"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return agentMeta{}
	}
	m := agentMeta{known: true, actions: map[string]bool{}}
	for _, a := range doc.Actions {
		m.actions[a.Name] = true
	}
	return m
}
