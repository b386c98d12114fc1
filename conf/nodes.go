package conf

import (
	"fmt"
	"strconv"
)

// fenceDevices decodes <fencedevices>; names must be unique.
func (d *decoder) fenceDevices(e *elem) []FenceDevice {
	d.checkAttrs(e, attrSpec{})
	var out []FenceDevice
	seen := map[string]int{}
	for _, fe := range d.kids(e, "fencedevice")["fencedevice"] {
		d.checkAttrs(fe, attrSpec{open: true})
		d.kids(fe)
		f := FenceDevice{Name: d.required(fe, "name", "ipmi-n1"), Agent: d.required(fe, "agent", "fence_ipmilan"),
			Params: params(fe, "name", "agent"), Line: fe.line}
		d.define("fencedevice", f.Name)
		if f.Agent == FenceSCSI {
			d.scsiDeviceRules(fe)
		}
		if line, dup := seen[f.Name]; dup && f.Name != "" {
			d.add(fe, fmt.Sprintf("fence device name %q is used twice (also line %d)", f.Name, line), "give each <fencedevice> a unique name")
		} else {
			seen[f.Name] = fe.line
		}
		out = append(out, f)
	}
	return out
}

// nodeIndex remembers where names, ids and addresses were first used.
type nodeIndex struct {
	names, addrs map[string]int
	ids          map[int]int
}

// nodes decodes <clusternodes>; at least one node is required.
func (d *decoder) nodes(root, e *elem, c *Cluster) []Node {
	if e == nil {
		d.add(root, "no <clusternodes>", `add <clusternodes> with a <clusternode name="..." nodeid="1"/> per node`)
		return nil
	}
	d.checkAttrs(e, attrSpec{})
	list := d.kids(e, "clusternode")["clusternode"]
	if len(list) == 0 {
		d.add(e, "no <clusternode>", `add a <clusternode name="..." nodeid="1"/> per node`)
	}
	idx := nodeIndex{names: map[string]int{}, addrs: map[string]int{}, ids: map[int]int{}}
	var out []Node
	for _, ne := range list {
		n := d.node(ne, c)
		d.uniqueNode(ne, n, &idx)
		d.define("node", n.Name)
		out = append(out, n)
	}
	return out
}

func (d *decoder) node(e *elem, c *Cluster) Node {
	d.checkAttrs(e, attrSpec{known: nodeAttrs})
	n := Node{Name: d.required(e, "name", "node1"), Line: e.line}
	if _, ok := e.attr("nodeid"); !ok {
		d.add(e, "nodeid is missing", fmt.Sprintf(`add a unique nodeid="N" with N from 1 to %d`, MaxNodeID))
	}
	n.ID, _ = d.integer(e, "nodeid", 0, 1, MaxNodeID)
	n.Votes, _ = d.integer(e, "votes", 1, 0, maxVotes)
	n.Addr = d.addr(e, "addr", n.Name, c.Totem.Port)
	if v, ok := e.attr("addr2"); ok {
		n.Addr2 = d.addr(e, "addr2", v, c.Totem.Port)
	}
	k := d.kids(e, "fence", "unfence")
	n.Fence = d.fence(d.one(k["fence"]), c)
	if u := d.one(k["unfence"]); u != nil {
		d.checkAttrs(u, attrSpec{})
		n.Unfence = d.deviceRefs(u, c)
	}
	return n
}

// addr reads a host[:port] attribute; when it is absent, fallback (the
// node name) is the host. The result always carries a port.
func (d *decoder) addr(e *elem, name, fallback string, port int) string {
	v, given := e.attr(name)
	if !given {
		v = fallback
	}
	if v == "" {
		return "" // name missing, already reported
	}
	a, err := normalizeAddr(v, port)
	if err != nil {
		fix := fmt.Sprintf(`write %s="host" or %s="host:port" with a host name or IP address`, name, name)
		if !given {
			d.add(e, fmt.Sprintf("node name %q is not a valid host name and addr is not set", v), `add addr="IP or host name"`)
		} else {
			d.add(e, fmt.Sprintf("%s %q: %v", name, v, err), fix)
		}
		return ""
	}
	return a
}

// uniqueNode reports a name, nodeid or address used by an earlier node.
func (d *decoder) uniqueNode(e *elem, n Node, idx *nodeIndex) {
	if line, dup := idx.names[n.Name]; dup && n.Name != "" {
		d.add(e, fmt.Sprintf("node name %q is used twice (also line %d)", n.Name, line), "give each node a unique name")
	} else {
		idx.names[n.Name] = e.line
	}
	if line, dup := idx.ids[n.ID]; dup && n.ID != 0 {
		d.add(e, fmt.Sprintf("nodeid %d is used twice (also line %d)", n.ID, line), "give each node a unique nodeid")
	} else {
		idx.ids[n.ID] = e.line
	}
	for _, a := range []string{n.Addr, n.Addr2} {
		if line, dup := idx.addrs[a]; dup && a != "" {
			d.add(e, fmt.Sprintf("address %s is used twice (also line %d)", a, line), "give each node its own addr and addr2")
		} else {
			idx.addrs[a] = e.line
		}
	}
}

// fence decodes <fence>: methods in order, each with its devices.
func (d *decoder) fence(e *elem, c *Cluster) []FenceMethod {
	d.checkAttrs(e, attrSpec{})
	var out []FenceMethod
	seen := map[string]int{}
	for _, me := range d.kids(e, "method")["method"] {
		d.checkAttrs(me, attrSpec{known: methodAttrs})
		m := FenceMethod{Name: d.required(me, "name", strconv.Itoa(len(out)+1)), Line: me.line}
		if line, dup := seen[m.Name]; dup && m.Name != "" {
			d.add(me, fmt.Sprintf("method name %q is used twice (also line %d)", m.Name, line), "give each method of a node a unique name")
		} else {
			seen[m.Name] = me.line
		}
		m.Devices = d.deviceRefs(me, c)
		if len(m.Devices) == 0 {
			d.add(me, "method has no <device>", `add <device name="..."/> naming a <fencedevice>, or remove the method`)
		}
		out = append(out, m)
	}
	return out
}

// deviceRefs decodes the <device> children of e; each must name a
// <fencedevice>.
func (d *decoder) deviceRefs(e *elem, c *Cluster) []FenceDeviceRef {
	var out []FenceDeviceRef
	for _, de := range d.kids(e, "device")["device"] {
		d.checkAttrs(de, attrSpec{open: true})
		d.kids(de)
		r := FenceDeviceRef{Name: d.required(de, "name", "ipmi-n1"), Params: params(de, "name"), Line: de.line}
		if r.Name != "" && !d.defined("fencedevice", r.Name) {
			d.addLazy(de, fmt.Sprintf("fence device %q is not defined in <fencedevices>", r.Name), func() string {
				return didYouMean(r.Name, fenceDeviceNames(c), `"%s"`, fmt.Sprintf(`add <fencedevice name="%s" agent="fence_..."/> to <fencedevices>`, r.Name))
			})
		}
		if dev := c.FenceDeviceByName(r.Name); dev != nil && dev.Agent == FenceSCSI {
			d.scsiRefRules(de, dev)
		}
		out = append(out, r)
	}
	return out
}

func fenceDeviceNames(c *Cluster) []string {
	return names(len(c.FenceDevices), func(i int) string { return c.FenceDevices[i].Name })
}
