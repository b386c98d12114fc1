package conf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"sort"
	"strconv"
	"time"
)

// Marshal writes c as canonical cluster.conf XML: fixed element order,
// two-space indentation, typed attributes first, then the remaining ones
// sorted by name, and every attribute whose value equals its (derived)
// default left out. Lines and Raw are ignored. The output is parsed again
// before it is returned, so Marshal fails rather than produce a file Parse
// would refuse; Parse(Marshal(c)) equals c apart from Line fields and Raw.
func (c *Cluster) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\"?>\n")
	write(&b, c.tree(), 0)
	out := b.Bytes()
	if _, err := Parse("marshalled cluster.conf", out); err != nil {
		return nil, fmt.Errorf("conf: Marshal would produce an invalid cluster.conf: %w", err)
	}
	return out, nil
}

// node is an element under construction.
type node struct {
	name  string
	attrs [][2]string
	kids  []*node
}

func el(name string, attrs ...string) *node {
	n := &node{name: name}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.set(attrs[i], attrs[i+1])
	}
	return n
}

func (n *node) set(k, v string) { n.attrs = append(n.attrs, [2]string{k, v}) }

// setIf sets k=v when cond holds.
func (n *node) setIf(cond bool, k, v string) {
	if cond {
		n.set(k, v)
	}
}

// rest sets the entries of m not in skip, sorted by name.
func (n *node) rest(m map[string]string, skip ...string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if !contains(skip, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		n.set(k, m[k])
	}
}

func (n *node) add(kids ...*node) {
	for _, k := range kids {
		if k != nil {
			n.kids = append(n.kids, k)
		}
	}
}

func write(b *bytes.Buffer, n *node, depth int) {
	for range depth {
		b.WriteString("  ")
	}
	b.WriteString("<" + n.name)
	for _, a := range n.attrs {
		b.WriteString(" " + a[0] + `="`)
		xml.EscapeText(b, []byte(a[1]))
		b.WriteString(`"`)
	}
	if len(n.kids) == 0 {
		b.WriteString("/>\n")
		return
	}
	b.WriteString(">\n")
	for _, k := range n.kids {
		write(b, k, depth+1)
	}
	for range depth {
		b.WriteString("  ")
	}
	b.WriteString("</" + n.name + ">\n")
}

func itoa(n int) string                  { return strconv.Itoa(n) }
func sec(d time.Duration) string         { return formatDecimal(d, time.Second) }
func ms(d time.Duration) string          { return formatDecimal(d, time.Millisecond) }
func boolAttr(n *node, k string, v bool) { n.setIf(v, k, "1") }

func (c *Cluster) tree() *node {
	root := el("cluster", "name", c.Name, "config_version", strconv.FormatUint(c.ConfigVersion, 10))
	root.add(c.CMAN.tree(), c.Totem.tree(), c.Quorumd.tree(len(c.Nodes)), c.FenceDaemon.tree(), c.nodesTree(), c.fenceDevicesTree(), c.RM.tree())
	return root
}

// orNil drops an element with neither attributes nor children.
func orNil(n *node) *node {
	if len(n.attrs) == 0 && len(n.kids) == 0 {
		return nil
	}
	return n
}

func (m CMAN) tree() *node {
	n := el("cman")
	boolAttr(n, "two_node", m.TwoNode)
	n.setIf(m.ExpectedVotes != 0, "expected_votes", itoa(m.ExpectedVotes))
	return orNil(n)
}

func (t Totem) tree() *node {
	n := el("totem")
	n.setIf(t.Token != DefaultToken, "token", ms(t.Token))
	n.setIf(t.Heartbeat != t.Token/4, "hb_interval", ms(t.Heartbeat))
	n.setIf(t.Keyfile != DefaultKeyfile, "keyfile", t.Keyfile)
	n.setIf(!t.SecAuth, "secauth", "off")
	n.setIf(t.Port != DefaultPort, "port", itoa(t.Port))
	return orNil(n)
}

func (q Quorumd) tree(nodes int) *node {
	n := el("quorumd")
	n.setIf(q.Label != "", "label", q.Label)
	n.setIf(q.Device != "", "device", q.Device)
	n.setIf(q.Interval != DefaultInterval, "interval", sec(q.Interval))
	n.setIf(q.TKO != DefaultTKO, "tko", itoa(q.TKO))
	n.setIf(q.TKOUp != DefaultTKOUp, "tko_up", itoa(q.TKOUp))
	n.setIf(q.Votes != defaultQdiskVotes(nodes), "votes", itoa(q.Votes))
	boolAttr(n, "master_wins", q.MasterWins)
	n.setIf(q.IOTimeout != q.Interval, "io_timeout", sec(q.IOTimeout))
	n.setIf(q.LeaseTimeout != q.Interval*time.Duration(q.TKO+2), "lease_timeout", sec(q.LeaseTimeout))
	n.setIf(q.MinScore != 0, "min_score", itoa(q.MinScore))
	n.setIf(q.Watchdog != "", "watchdog", q.Watchdog)
	n.setIf(q.WatchdogTimeout != DefaultWatchdogTimeout*time.Second, "watchdog_timeout", itoa(int(q.WatchdogTimeout/time.Second)))
	for _, h := range q.Heuristics {
		hn := el("heuristic", "program", h.Program)
		hn.setIf(h.Score != 1, "score", itoa(h.Score))
		hn.setIf(h.Interval != q.Interval, "interval", sec(h.Interval))
		hn.setIf(h.TKO != q.TKO, "tko", itoa(h.TKO))
		n.add(hn)
	}
	return n
}

func (f FenceDaemon) tree() *node {
	n := el("fence_daemon")
	n.setIf(f.PostFailDelay != 0, "post_fail_delay", sec(f.PostFailDelay))
	n.setIf(f.PostJoinDelay != DefaultPostJoinDelay, "post_join_delay", sec(f.PostJoinDelay))
	return orNil(n)
}

func (c *Cluster) nodesTree() *node {
	n := el("clusternodes")
	for _, cn := range c.Nodes {
		x := el("clusternode", "name", cn.Name, "nodeid", itoa(cn.ID))
		x.setIf(cn.Votes != 1, "votes", itoa(cn.Votes))
		x.setIf(cn.Addr != "" && cn.Addr != net.JoinHostPort(cn.Name, itoa(c.Totem.Port)), "addr", cn.Addr)
		x.setIf(cn.Addr2 != "", "addr2", cn.Addr2)
		if len(cn.Fence) > 0 {
			f := el("fence")
			for _, m := range cn.Fence {
				f.add(deviceRefs(el("method", "name", m.Name), m.Devices))
			}
			x.add(f)
		}
		if len(cn.Unfence) > 0 {
			x.add(deviceRefs(el("unfence"), cn.Unfence))
		}
		n.add(x)
	}
	return n
}

func deviceRefs(parent *node, refs []FenceDeviceRef) *node {
	for _, r := range refs {
		d := el("device", "name", r.Name)
		d.rest(r.Params, "name")
		parent.add(d)
	}
	return parent
}

func (c *Cluster) fenceDevicesTree() *node {
	n := el("fencedevices")
	for _, f := range c.FenceDevices {
		x := el("fencedevice", "name", f.Name, "agent", f.Agent)
		x.rest(f.Params, "name", "agent")
		n.add(x)
	}
	return orNil(n)
}

func (r RM) tree() *node {
	n := el("rm")
	n.setIf(r.StatusPollInterval != DefaultStatusPollInterval && r.StatusPollInterval != 0, "status_poll_interval", sec(r.StatusPollInterval))
	n.rest(r.Attrs, rmTyped...)
	if len(r.Domains) > 0 {
		ds := el("failoverdomains")
		for _, f := range r.Domains {
			ds.add(f.tree())
		}
		n.add(ds)
	}
	if len(r.Resources) > 0 {
		rs := el("resources")
		for _, x := range r.Resources {
			rs.add(x.tree())
		}
		n.add(rs)
	}
	for _, s := range r.Services {
		n.add(s.tree())
	}
	return orNil(n)
}

func (f FailoverDomain) tree() *node {
	n := el("failoverdomain", "name", f.Name)
	boolAttr(n, "ordered", f.Ordered)
	boolAttr(n, "restricted", f.Restricted)
	boolAttr(n, "nofailback", f.NoFailback)
	for _, dn := range f.Nodes {
		x := el("failoverdomainnode", "name", dn.Name)
		x.setIf(dn.Priority != 1, "priority", itoa(dn.Priority))
		n.add(x)
	}
	return n
}

func (r Resource) tree() *node {
	n := el(r.Type)
	n.setIf(r.Ref != "", "ref", r.Ref)
	prim := primaryAttrs(r.Type)
	for _, a := range prim {
		if v, ok := r.Attrs[a]; ok {
			n.set(a, v)
		}
	}
	n.rest(r.Attrs, append(prim, "ref")...)
	for _, a := range r.Actions {
		n.add(a.tree())
	}
	for _, ch := range r.Children {
		n.add(ch.tree())
	}
	return n
}

func (a Action) tree() *node {
	n := el("action", "name", a.Name)
	switch {
	case a.Depth == AnyDepth:
		n.set("depth", "*")
	case a.Depth != 0:
		n.set("depth", itoa(a.Depth))
	}
	n.setIf(a.Interval >= 0, "interval", sec(a.Interval))
	n.setIf(a.Timeout >= 0, "timeout", sec(a.Timeout))
	return n
}

func (s Service) tree() *node {
	n := el("service", "name", s.Name)
	n.setIf(s.Domain != "", "domain", s.Domain)
	n.setIf(!s.Autostart, "autostart", "0")
	boolAttr(n, "exclusive", s.Exclusive)
	n.setIf(s.Recovery != "restart" && s.Recovery != "", "recovery", s.Recovery)
	n.setIf(s.MaxRestarts != 0, "max_restarts", itoa(s.MaxRestarts))
	n.setIf(s.RestartExpire != 0, "restart_expire_time", sec(s.RestartExpire))
	n.rest(s.Attrs, serviceTyped...)
	for _, ch := range s.Children {
		n.add(ch.tree())
	}
	return n
}
