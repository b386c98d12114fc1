package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// create writes a new cluster.conf: the cluster element and an empty
// <clusternodes>. Replacing an existing file (--force) carries its
// config_version on, so the version still only goes up.
func (r *runner) create(fset *flag.FlagSet, args []string) error {
	force := fset.Bool("force", false, "replace an existing file")
	pos, err := parseArgs(fset, args, 1, 1)
	if err != nil {
		return err
	}
	file, name := r.opts.file, pos[0]
	if strings.TrimSpace(name) == "" {
		return usageErrorf("create: the cluster name is empty")
	}
	orig, err := os.ReadFile(file)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	version := uint64(1)
	if existed {
		if !*force {
			return fmt.Errorf("%s already exists; pass --force to replace it (it is kept as %s.bak)", file, file)
		}
		if doc, err := parseXML(orig); err == nil {
			if v, err := configVersion(file, doc.root()); err == nil {
				version = v + 1
			}
		}
	}
	doc := &xnode{kind: docNode}
	doc.add(&xnode{kind: procInstNode, name: "xml", text: `version="1.0"`})
	root := newElem("cluster", "name", name, "config_version", strconv.FormatUint(version, 10))
	root.add(newElem("clusternodes"))
	doc.add(root)
	return r.commit("create", orig, existed, doc.bytes(),
		fmt.Sprintf("created cluster %s, config_version %d; next: addnode and setquorumd label=LABEL", name, version))
}

func (r *runner) addNode(fset *flag.FlagSet, args []string) error {
	id := fset.Int("nodeid", 0, "node id `N`, 1..256 (default: the lowest unused)")
	addr := fset.String("addr", "", "heartbeat address `HOST[:PORT]` (default: the node name)")
	addr2 := fset.String("addr2", "", "second heartbeat link `HOST[:PORT]`")
	votes := fset.Int("votes", -1, "votes `V` (default 1)")
	pos, err := parseArgs(fset, args, 1, 1)
	if err != nil {
		return err
	}
	name := pos[0]
	return r.edit("addnode", func(root *xnode) (string, error) {
		nodes := root.ensure("clusternodes", clusterOrder)
		if old := nodes.find("clusternode", "name", name); old != nil {
			return "", fmt.Errorf("node %s already exists (nodeid %s); remove it first with: clusconf rmnode %s", name, old.value("nodeid"), name)
		}
		if *id == 0 {
			*id = freeNodeID(nodes)
		}
		n := newElem("clusternode", "name", name, "nodeid", strconv.Itoa(*id))
		if *votes >= 0 {
			n.set("votes", strconv.Itoa(*votes))
		}
		if *addr != "" {
			n.set("addr", *addr)
		}
		if *addr2 != "" {
			n.set("addr2", *addr2)
		}
		nodes.add(n)
		return fmt.Sprintf("added node %s (nodeid %d)", name, *id), nil
	})
}

// freeNodeID is the lowest node id no <clusternode> uses.
func freeNodeID(nodes *xnode) int {
	used := map[int]bool{}
	for _, n := range nodes.elems("clusternode") {
		if id, err := strconv.Atoi(n.value("nodeid")); err == nil {
			used[id] = true
		}
	}
	id := 1
	for used[id] {
		id++
	}
	return id
}

// rmNode removes the node and its entries in failover domains.
func (r *runner) rmNode(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 1, 1)
	if err != nil {
		return err
	}
	name := pos[0]
	return r.edit("rmnode", func(root *xnode) (string, error) {
		n := root.elem("clusternodes").find("clusternode", "name", name)
		if n == nil {
			return "", fmt.Errorf("no node %s in %s%s", name, r.opts.file, known(root.elem("clusternodes"), "clusternode", "name"))
		}
		n.remove()
		var doms []string
		for _, d := range root.elem("rm").elem("failoverdomains").elems("failoverdomain") {
			if dn := d.find("failoverdomainnode", "name", name); dn != nil {
				dn.remove()
				doms = append(doms, d.value("name"))
			}
		}
		if len(doms) > 0 {
			return fmt.Sprintf("removed node %s, also from failover domain(s) %s", name, strings.Join(doms, ", ")), nil
		}
		return "removed node " + name, nil
	})
}

// known lists the key attribute of parent's name children, for "no such
// thing" messages.
func known(parent *xnode, name, key string) string {
	var names []string
	if parent != nil {
		for _, e := range parent.elems(name) {
			names = append(names, e.value(key))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "; there are: " + strings.Join(names, ", ")
}

// addMethod adds a device to a fence method of a node, creating the
// method (after the existing ones) when it is new. Devices of one method
// must all succeed; methods are tried in order.
func (r *runner) addMethod(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 3, -1)
	if err != nil {
		return err
	}
	kv, err := keyValues("addmethod", pos[3:], "name")
	if err != nil {
		return err
	}
	nodeName, method, device := pos[0], pos[1], pos[2]
	return r.edit("addmethod", func(root *xnode) (string, error) {
		n := root.elem("clusternodes").find("clusternode", "name", nodeName)
		if n == nil {
			return "", fmt.Errorf("no node %s; add it first with: clusconf addnode %s", nodeName, nodeName)
		}
		fence := n.ensure("fence", nodeOrder)
		m := fence.find("method", "name", method)
		if m == nil {
			m = newElem("method", "name", method)
			fence.add(m)
		}
		d := newElem("device", "name", device)
		for _, p := range kv {
			d.set(p[0], p[1])
		}
		m.add(d)
		return fmt.Sprintf("node %s, fence method %s: added device %s (%d device(s))", nodeName, method, device, len(m.elems("device"))), nil
	})
}

func (r *runner) rmMethod(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 2, 2)
	if err != nil {
		return err
	}
	nodeName, method := pos[0], pos[1]
	return r.edit("rmmethod", func(root *xnode) (string, error) {
		n := root.elem("clusternodes").find("clusternode", "name", nodeName)
		if n == nil {
			return "", fmt.Errorf("no node %s", nodeName)
		}
		fence := n.elem("fence")
		m := fence.find("method", "name", method)
		if m == nil {
			return "", fmt.Errorf("node %s has no fence method %s%s", nodeName, method, known(fence, "method", "name"))
		}
		m.remove()
		if len(fence.elems("")) == 0 {
			fence.remove()
		}
		return fmt.Sprintf("node %s: removed fence method %s", nodeName, method), nil
	})
}
