package conf

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Load reads the file at path and parses it with Parse. A read failure
// is returned wrapped; a bad file yields an *ErrorList.
func Load(path string) (*Cluster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conf: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a cluster.conf. filename is used only in
// error messages. On any problem it returns a nil Cluster and an
// *ErrorList holding every problem found, sorted by line.
func Parse(filename string, data []byte) (*Cluster, error) {
	if filename == "" {
		filename = "cluster.conf"
	}
	d := &decoder{file: filename}
	var c *Cluster
	if len(data) > MaxSize {
		d.report(&Error{File: filename, Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize), Fix: "is this really a cluster.conf?"})
	} else if root := d.tree(data); root != nil {
		c = d.cluster(root)
	}
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
		errs := d.errs
		if d.more {
			errs = append(errs, &Error{File: filename, Msg: fmt.Sprintf("more problems not shown (stopped after %d)", maxErrors), Fix: "fix these first"})
		}
		return nil, &errs
	}
	c.Raw = bytes.Clone(data)
	return c, nil
}

// cluster decodes the root element. Sections are decoded in dependency
// order (totem before nodes, nodes before quorumd and rm), not file order.
func (d *decoder) cluster(root *elem) *Cluster {
	if root.space != "" {
		d.add(root, "XML namespaces are not supported", "remove the xmlns attribute")
		return nil
	}
	if root.name != "cluster" {
		d.add(root, "the root element must be <cluster>", `start the file with <cluster name="..." config_version="1">`)
		return nil
	}
	d.checkAttrs(root, attrSpec{known: clusterAttrs})
	c := &Cluster{Name: d.required(root, "name", "mycluster")}
	c.ConfigVersion = d.configVersion(root)
	k := d.kids(root, clusterKids...)
	c.CMAN = d.cman(d.one(k["cman"]))
	c.Totem = d.totem(d.one(k["totem"]))
	c.FenceDaemon = d.fenceDaemon(d.one(k["fence_daemon"]))
	c.FenceDevices = d.fenceDevices(d.one(k["fencedevices"]))
	c.Nodes = d.nodes(root, d.one(k["clusternodes"]), c)
	d.scsiKeyRules(c)
	c.Quorumd = d.quorumd(root, d.one(k["quorumd"]), len(c.Nodes))
	d.rm(d.one(k["rm"]), c)
	d.checkVotes(root, d.one(k["cman"]), c)
	return c
}

func (d *decoder) configVersion(e *elem) uint64 {
	const fix = `set config_version="1" and raise it with every change`
	v, ok := e.attr("config_version")
	if !ok {
		d.add(e, "config_version is missing", fix)
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil || n == 0 {
		d.add(e, fmt.Sprintf("config_version=%q is not a positive whole number", v), fix)
		return 0
	}
	return n
}

func (d *decoder) cman(e *elem) CMAN {
	if e == nil {
		return CMAN{}
	}
	d.checkAttrs(e, attrSpec{known: cmanAttrs})
	d.kids(e)
	ev, _ := d.integer(e, "expected_votes", 0, 0, maxVotes*MaxNodeID)
	return CMAN{TwoNode: d.boolean(e, "two_node", false), ExpectedVotes: ev}
}

func (d *decoder) fenceDaemon(e *elem) FenceDaemon {
	f := FenceDaemon{PostJoinDelay: DefaultPostJoinDelay}
	if e == nil {
		return f
	}
	d.checkAttrs(e, attrSpec{known: fenceDaemonAttrs})
	d.kids(e)
	f.PostFailDelay, _ = d.duration(e, "post_fail_delay", time.Second, 0, true)
	f.PostJoinDelay, _ = d.duration(e, "post_join_delay", time.Second, DefaultPostJoinDelay, true)
	return f
}
