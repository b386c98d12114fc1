package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/quorate/quorate/conf"
)

func (r *runner) addDomain(fset *flag.FlagSet, args []string) error {
	ordered := fset.Bool("ordered", false, "prefer nodes by priority (lower first)")
	restricted := fset.Bool("restricted", false, "run services only on the listed nodes")
	noFailback := fset.Bool("nofailback", false, "do not move services back when a preferred node returns")
	pos, err := parseArgs(fset, args, 2, -1)
	if err != nil {
		return err
	}
	name := pos[0]
	dom := newElem("failoverdomain", "name", name)
	for _, f := range []struct {
		on   bool
		attr string
	}{{*ordered, "ordered"}, {*restricted, "restricted"}, {*noFailback, "nofailback"}} {
		if f.on {
			dom.set(f.attr, "1")
		}
	}
	for _, a := range pos[1:] {
		node, prio, hasPrio := strings.Cut(a, ":")
		dn := newElem("failoverdomainnode", "name", node)
		if hasPrio {
			if _, err := strconv.Atoi(prio); err != nil || node == "" {
				return usageErrorf("addfailoverdomain: %q is not NODE or NODE:PRIORITY", a)
			}
			dn.set("priority", prio)
		}
		dom.add(dn)
	}
	return r.edit("addfailoverdomain", func(root *xnode) (string, error) {
		doms := root.ensure("rm", clusterOrder).ensure("failoverdomains", rmOrder)
		if doms.find("failoverdomain", "name", name) != nil {
			return "", fmt.Errorf("failover domain %s already exists; remove it first with: clusconf rmfailoverdomain %s", name, name)
		}
		doms.add(dom)
		return fmt.Sprintf("added failover domain %s (%d node(s))", name, len(pos)-1), nil
	})
}

// rmDomain removes a failover domain no service uses.
func (r *runner) rmDomain(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 1, 1)
	if err != nil {
		return err
	}
	name := pos[0]
	return r.edit("rmfailoverdomain", func(root *xnode) (string, error) {
		rm := root.elem("rm")
		doms := rm.elem("failoverdomains")
		d := doms.find("failoverdomain", "name", name)
		if d == nil {
			return "", fmt.Errorf("no failover domain %s%s", name, known(doms, "failoverdomain", "name"))
		}
		var users []string
		for _, s := range rm.elems("service") {
			if s.value("domain") == name {
				users = append(users, s.value("name"))
			}
		}
		if len(users) > 0 {
			return "", fmt.Errorf("failover domain %s is used by service(s) %s; remove them or move them to another domain first",
				name, strings.Join(users, ", "))
		}
		d.remove()
		return "removed failover domain " + name, nil
	})
}

// resourceType checks a resource element name.
func resourceType(cmd, typ string) error {
	if !slices.Contains(conf.ResourceTypes, typ) {
		return usageErrorf("%s: unknown resource type %q; use one of %s", cmd, typ, strings.Join(conf.ResourceTypes, ", "))
	}
	return nil
}

// primaryAttrs are the attributes ref= matches, as in conf.
func primaryAttrs(typ string) []string {
	switch typ {
	case "ip":
		return []string{"address"}
	case "systemd":
		return []string{"name", "unit"}
	}
	return []string{"name"}
}

// resourceKey is the identifying value of a resource element.
func resourceKey(e *xnode) string {
	for _, a := range primaryAttrs(e.name) {
		if v := e.value(a); v != "" {
			return v
		}
	}
	return ""
}

func (r *runner) addResource(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 2, -1)
	if err != nil {
		return err
	}
	typ := pos[0]
	if err := resourceType("addresource", typ); err != nil {
		return err
	}
	kv, err := keyValues("addresource", pos[1:], "ref")
	if err != nil {
		return err
	}
	res := newElem(typ)
	for _, p := range kv {
		res.set(p[0], p[1])
	}
	return r.edit("addresource", func(root *xnode) (string, error) {
		rs := root.ensure("rm", clusterOrder).ensure("resources", rmOrder)
		rs.add(res)
		return fmt.Sprintf("added <%s> %s to <resources>", typ, resourceKey(res)), nil
	})
}

// rmResource removes a shared resource no service refers to.
func (r *runner) rmResource(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 2, 2)
	if err != nil {
		return err
	}
	typ, key := pos[0], pos[1]
	if err := resourceType("rmresource", typ); err != nil {
		return err
	}
	return r.edit("rmresource", func(root *xnode) (string, error) {
		rm := root.elem("rm")
		var found *xnode
		for _, e := range rm.elem("resources").elems(typ) {
			if resourceKey(e) == key || e.value("name") == key {
				found = e
				break
			}
		}
		if found == nil {
			return "", fmt.Errorf("no <%s> %s in <resources>", typ, key)
		}
		var users []string
		for _, s := range rm.elems("service") {
			s.walk(func(e *xnode) {
				if e.name == typ && e.value("ref") == key {
					users = append(users, s.value("name"))
				}
			})
		}
		if len(users) > 0 {
			return "", fmt.Errorf("<%s> %s is used by service(s) %s; remove the references first", typ, key, strings.Join(slices.Compact(users), ", "))
		}
		found.remove()
		return fmt.Sprintf("removed <%s> %s from <resources>", typ, key), nil
	})
}

func (r *runner) addService(fset *flag.FlagSet, args []string) error {
	domain := fset.String("domain", "", "failover domain `D`")
	recovery := fset.String("recovery", "", "`R`: restart (default), relocate or disable")
	autostart := fset.String("autostart", "", "`0|1`: start the service when the cluster forms (default 1)")
	exclusive := fset.Bool("exclusive", false, "run it only on a node with no other service")
	pos, err := parseArgs(fset, args, 1, -1)
	if err != nil {
		return err
	}
	name := pos[0]
	svc := newElem("service", "name", name)
	for _, f := range [][2]string{{"domain", *domain}, {"recovery", *recovery}, {"autostart", *autostart}} {
		if f[1] != "" {
			svc.set(f[0], f[1])
		}
	}
	if *exclusive {
		svc.set("exclusive", "1")
	}
	if err := serviceBody(svc, pos[1:]); err != nil {
		return err
	}
	return r.edit("addservice", func(root *xnode) (string, error) {
		rm := root.ensure("rm", clusterOrder)
		if rm.find("service", "name", name) != nil {
			return "", fmt.Errorf("service %s already exists; remove it first with: clusconf rmservice %s", name, name)
		}
		rm.add(svc)
		n := 0
		svc.walk(func(*xnode) { n++ })
		return fmt.Sprintf("added service %s (%d resource(s))", name, n-1), nil
	})
}

// serviceBody adds key=value attributes and RESOURCE arguments to svc.
func serviceBody(svc *xnode, args []string) error {
	parents := []*xnode{svc} // parents[d] takes resources of depth d
	for _, a := range args {
		spec := strings.TrimLeft(a, "+")
		depth := len(a) - len(spec)
		typ, body, isRes := strings.Cut(spec, ":")
		if !isRes || !slices.Contains(conf.ResourceTypes, typ) {
			k, v, ok := strings.Cut(a, "=")
			if !ok || depth > 0 || k == "" {
				return usageErrorf("addservice: %q is neither TYPE:REF, TYPE:key=value,... (TYPE one of %s) nor key=value",
					a, strings.Join(conf.ResourceTypes, ", "))
			}
			if k == "name" {
				return usageErrorf("addservice: the service name is given as an argument, not as name=")
			}
			svc.set(k, v)
			continue
		}
		if depth >= len(parents) {
			return usageErrorf("addservice: %q is nested deeper than the resource before it", a)
		}
		res, err := resourceSpec(typ, body)
		if err != nil {
			return err
		}
		parents[depth].add(res)
		parents = append(parents[:depth+1], res)
	}
	return nil
}

// resourceSpec builds a resource from REF or key=value,key=value.
func resourceSpec(typ, body string) (*xnode, error) {
	if body == "" {
		return nil, usageErrorf("addservice: %s: needs a reference or key=value pairs", typ)
	}
	if !strings.Contains(body, "=") {
		return newElem(typ, "ref", body), nil
	}
	res := newElem(typ)
	for _, pair := range splitEscaped(body) {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			return nil, usageErrorf("addservice: %s:%s: %q is not key=value", typ, body, pair)
		}
		res.set(k, v)
	}
	return res, nil
}

// splitEscaped splits s at commas not preceded by a backslash; \, stands
// for a comma and \\ for a backslash.
func splitEscaped(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && (s[i+1] == ',' || s[i+1] == '\\'):
			cur.WriteByte(s[i+1])
			i++
		case s[i] == ',':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(out, cur.String())
}

func (r *runner) rmService(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 1, 1)
	if err != nil {
		return err
	}
	name := pos[0]
	return r.edit("rmservice", func(root *xnode) (string, error) {
		rm := root.elem("rm")
		s := rm.find("service", "name", name)
		if s == nil {
			return "", fmt.Errorf("no service %s%s", name, known(rm, "service", "name"))
		}
		s.remove()
		return "removed service " + name, nil
	})
}

// setter returns the command that sets attributes of the cluster child
// element elem, creating it when needed; key= removes an attribute, so
// its default applies again.
func setter(elem string) func(r *runner, fset *flag.FlagSet, args []string) error {
	return func(r *runner, fset *flag.FlagSet, args []string) error {
		cmd := "set" + strings.ReplaceAll(elem, "_", "")
		pos, err := parseArgs(fset, args, 1, -1)
		if err != nil {
			return err
		}
		kv, err := keyValues(cmd, pos)
		if err != nil {
			return err
		}
		return r.edit(cmd, func(root *xnode) (string, error) {
			e := root.ensure(elem, clusterOrder)
			var done []string
			for _, p := range kv {
				if p[1] == "" {
					e.unset(p[0])
					done = append(done, p[0]+" (default)")
					continue
				}
				e.set(p[0], p[1])
				done = append(done, p[0]+"="+p[1])
			}
			return fmt.Sprintf("<%s>: %s", elem, strings.Join(done, ", ")), nil
		})
	}
}
