package main

import (
	"flag"
	"fmt"
	"strings"
)

func (r *runner) addFenceDev(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 2, -1)
	if err != nil {
		return err
	}
	kv, err := keyValues("addfencedev", pos[1:], "name")
	if err != nil {
		return err
	}
	name, agent := pos[0], ""
	for _, p := range kv {
		if p[0] == "agent" {
			agent = p[1]
		}
	}
	if agent == "" {
		return usageErrorf("addfencedev: agent=AGENT is required, e.g. agent=fence_ipmilan")
	}
	return r.edit("addfencedev", func(root *xnode) (string, error) {
		devs := root.ensure("fencedevices", clusterOrder)
		if devs.find("fencedevice", "name", name) != nil {
			return "", fmt.Errorf("fence device %s already exists; remove it first with: clusconf rmfencedev %s", name, name)
		}
		d := newElem("fencedevice", "name", name, "agent", agent)
		for _, p := range kv {
			d.set(p[0], p[1])
		}
		devs.add(d)
		return fmt.Sprintf("added fence device %s (%s)", name, agent), nil
	})
}

// rmFenceDev removes a fence device no node uses.
func (r *runner) rmFenceDev(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 1, 1)
	if err != nil {
		return err
	}
	name := pos[0]
	return r.edit("rmfencedev", func(root *xnode) (string, error) {
		devs := root.elem("fencedevices")
		d := devs.find("fencedevice", "name", name)
		if d == nil {
			return "", fmt.Errorf("no fence device %s%s", name, known(devs, "fencedevice", "name"))
		}
		if users := fenceUsers(root, name); len(users) > 0 {
			return "", fmt.Errorf("fence device %s is still used by %s; remove those first (clusconf rmmethod NODE METHOD)",
				name, strings.Join(users, ", "))
		}
		d.remove()
		return "removed fence device " + name, nil
	})
}

// fenceUsers lists where nodes refer to fence device name.
func fenceUsers(root *xnode, name string) []string {
	var out []string
	for _, n := range root.elem("clusternodes").elems("clusternode") {
		for _, m := range n.elem("fence").elems("method") {
			if m.find("device", "name", name) != nil {
				out = append(out, fmt.Sprintf("node %s method %s", n.value("name"), m.value("name")))
			}
		}
		if n.elem("unfence").find("device", "name", name) != nil {
			out = append(out, fmt.Sprintf("node %s <unfence>", n.value("name")))
		}
	}
	return out
}
