package conf

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// FenceSCSI is the agent name of SCSI-3 persistent-reservation fencing,
// which quorated runs itself (never Debian's fence_scsi, which takes the
// keys and the cluster name from corosync).
const FenceSCSI = "fence_scsi"

// DefaultSCSICheckInterval bounds the derived interval of the key check
// from below (see SCSICheckInterval).
const DefaultSCSICheckInterval = time.Second

// maxSCSICheckInterval is the longest check_interval accepted.
const maxSCSICheckInterval = time.Hour

// ParseSCSIDevices reads fence_scsi's devices= value: one or more
// absolute device paths separated by commas, each at most once. Spaces
// around the commas are ignored.
func ParseSCSIDevices(v string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return nil, fmt.Errorf("devices=%q has an empty entry", v)
		case !strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.ContainsAny(p, " \t\n\r"):
			return nil, fmt.Errorf("device %q is not an absolute, clean path", p)
		case seen[p]:
			return nil, fmt.Errorf("device %s is listed twice", p)
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

// ParseSCSIKey reads fence_scsi's key= value: 1 to 16 hex digits,
// optionally after "0x", that are not all zero (key 0 means "no key" to a
// target).
func ParseSCSIKey(v string) (uint64, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(v), "0x"), "0X")
	if s == "" || len(s) > 16 {
		return 0, fmt.Errorf("key=%q is not 1 to 16 hex digits", v)
	}
	k, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("key=%q is not a hex number", v)
	}
	if k == 0 {
		return 0, fmt.Errorf("key=%q is 0, which a target reads as no key at all", v)
	}
	return k, nil
}

// DefaultSCSIKey is fence_scsi's key_value=id key of node nodeID in
// cluster: the 8 hex digits "%.4s%.4d" of the first 4 hex digits of
// md5(cluster name) and the node id in 4 decimal digits, read as a hex
// number. Node ids must be 1..9999.
func DefaultSCSIKey(cluster string, nodeID int) (uint64, error) {
	if nodeID < 1 || nodeID > 9999 {
		return 0, fmt.Errorf("node id %d outside 1..9999 cannot form a reservation key", nodeID)
	}
	sum := md5.Sum([]byte(cluster))
	s := hex.EncodeToString(sum[:])[:4] + fmt.Sprintf("%04d", nodeID)
	k, err := strconv.ParseUint(s, 16, 64)
	if err != nil || k == 0 {
		return 0, fmt.Errorf("reservation key %q", s)
	}
	return k, nil
}

// ParseSCSICheckInterval reads check_interval=, quorate's own attribute of
// a fence_scsi <fencedevice>: seconds between two checks that this node's
// key is still registered, more than 0 and at most 3600.
func ParseSCSICheckInterval(v string) (time.Duration, error) {
	d, err := parseDecimal(v, time.Second)
	if err != nil || d <= 0 || d > maxSCSICheckInterval {
		return 0, fmt.Errorf("check_interval=%q is not a number of seconds above 0 and at most 3600", v)
	}
	return d, nil
}

// SCSICheckInterval is the default key-check interval of a cluster: the
// time after which the quorum disk declares a silent node dead (interval
// × tko), at least one second.
func SCSICheckInterval(q Quorumd) time.Duration {
	return max(DefaultSCSICheckInterval, q.Interval*time.Duration(q.TKO))
}

// scsiDeviceRules checks the attributes of a fence_scsi <fencedevice>.
func (d *decoder) scsiDeviceRules(e *elem) {
	d.scsiCommonRules(e)
	if v, ok := e.attr("check_interval"); ok {
		if _, err := ParseSCSICheckInterval(v); err != nil {
			d.add(e, err.Error(), `write check_interval="2" (seconds), or leave it out to use the quorum disk's interval × tko`)
		}
	}
}

// scsiCommonRules checks what a <fencedevice agent="fence_scsi"> and a
// <device> naming one may both carry.
func (d *decoder) scsiCommonRules(e *elem) {
	if v, ok := e.attr("devices"); ok {
		if _, err := ParseSCSIDevices(v); err != nil {
			d.add(e, "fence_scsi "+err.Error(), `list the shared LUNs as absolute paths separated by commas, e.g. devices="/dev/disk/by-id/wwn-0x6001405a,/dev/sdc"`)
		}
	}
	if v, ok := e.attr("key"); ok {
		if _, err := ParseSCSIKey(v); err != nil {
			d.add(e, "fence_scsi "+err.Error(), `write a nonzero hex key such as key="8e2e0001", or leave key out to derive it from the cluster name and nodeid`)
		}
	}
	if v, ok := e.attr("native"); ok {
		if b, valid := parseBool(v); valid && !b {
			d.add(e, `fence_scsi with native="0": quorated always runs fence_scsi itself (Debian's fence_scsi takes its keys and the cluster name from corosync, which a quorate node does not run, and quorated registers, reserves and watches the keys on join)`, `remove native="0"`)
		}
	}
	if v, ok := e.attr("key_value"); ok && v != "id" {
		d.add(e, fmt.Sprintf("fence_scsi key_value=%q is not supported (only id: md5 of the cluster name and the nodeid)", v), `remove key_value, or set each node's key with key="..." on its <device>`)
	}
}

// scsiRefRules checks a <device> reference to a fence_scsi device: its
// own attributes, and that devices= is given here or on the device.
func (d *decoder) scsiRefRules(e *elem, dev *FenceDevice) {
	d.scsiCommonRules(e)
	_, here := e.attr("devices")
	if _, there := dev.Params["devices"]; !here && !there {
		d.add(e, fmt.Sprintf("fence_scsi device %q has no devices= (the shared LUNs whose reservation keys it fences)", dev.Name),
			fmt.Sprintf(`add devices="/dev/..." to <fencedevice name=%q> (line %d) or to this <device>`, dev.Name, dev.Line))
	}
}

// scsiKeyRules checks, once every node is decoded, that each node's
// fence_scsi references agree on its key and that no two nodes share one.
func (d *decoder) scsiKeyRules(c *Cluster) {
	owner := map[uint64]string{}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		key, ref, ok := d.nodeSCSIKey(c, n)
		if !ok {
			continue
		}
		if other, dup := owner[key]; dup {
			d.report(&Error{File: d.file, Line: ref.Line, Element: fmt.Sprintf("<device name=%q>", ref.Name),
				Msg: fmt.Sprintf("nodes %s and %s both get reservation key %x", other, n.Name, key),
				Fix: `give each node its own key= on its <device>, or leave key out everywhere to derive it from the nodeid`})
			continue
		}
		owner[key] = n.Name
	}
}

// nodeSCSIKey is the reservation key of n's fence_scsi references (ok is
// false when it has none or they disagree, which is reported).
func (d *decoder) nodeSCSIKey(c *Cluster, n *Node) (uint64, FenceDeviceRef, bool) {
	var (
		key   uint64
		first FenceDeviceRef
		found bool
	)
	for _, ref := range NodeDeviceRefs(n) {
		dev := c.FenceDeviceByName(ref.Name)
		if dev == nil || dev.Agent != FenceSCSI {
			continue
		}
		k, err := SCSIRefKey(c, n, dev, ref)
		if err != nil {
			return 0, ref, false // reported by the attribute rules
		}
		if found && k != key {
			d.report(&Error{File: d.file, Line: ref.Line, Element: fmt.Sprintf("<device name=%q>", ref.Name),
				Msg: fmt.Sprintf("node %s's fence_scsi devices give it two reservation keys, %x (line %d) and %x", n.Name, key, first.Line, k),
				Fix: "give every fence_scsi <device> of a node the same key=, or none"})
			return 0, ref, false
		}
		key, first, found = k, ref, true
	}
	return key, first, found
}

// NodeDeviceRefs lists every <device> of a node: its methods' in order,
// then its <unfence> ones.
func NodeDeviceRefs(n *Node) []FenceDeviceRef {
	var out []FenceDeviceRef
	for _, m := range n.Fence {
		out = append(out, m.Devices...)
	}
	return append(out, n.Unfence...)
}

// SCSIRefKey is the reservation key a fence_scsi <device> reference
// gives node n: key= of the reference, else of the <fencedevice>, else
// DefaultSCSIKey of the cluster name and n's nodeid.
func SCSIRefKey(c *Cluster, n *Node, dev *FenceDevice, ref FenceDeviceRef) (uint64, error) {
	if v, ok := ref.Params["key"]; ok {
		return ParseSCSIKey(v)
	}
	if v, ok := dev.Params["key"]; ok {
		return ParseSCSIKey(v)
	}
	return DefaultSCSIKey(c.Name, n.ID)
}
