package conf

import (
	"fmt"
	"time"
)

// rm decodes <rm> into c.RM: failover domains first, then <resources>,
// then the services that refer to both.
func (d *decoder) rm(e *elem, c *Cluster) {
	c.RM.Attrs = params(e, rmTyped...)
	c.RM.StatusPollInterval = DefaultStatusPollInterval
	if e == nil {
		return
	}
	d.checkAttrs(e, attrSpec{known: rmAttrs})
	c.RM.StatusPollInterval = d.statusPollInterval(e)
	k := d.kids(e, rmKids...)
	c.RM.Domains = d.domains(d.one(k["failoverdomains"]), c)
	c.RM.Resources = d.resources(d.one(k["resources"]))
	c.RM.Services = d.services(k["service"], c)
}

// statusPollInterval reads status_poll_interval, in seconds like
// rgmanager's, within MinStatusPollInterval..MaxStatusPollInterval.
func (d *decoder) statusPollInterval(e *elem) time.Duration {
	v, given := d.duration(e, "status_poll_interval", time.Second, DefaultStatusPollInterval, false)
	switch {
	case !given:
	case v < MinStatusPollInterval:
		d.add(e, fmt.Sprintf("status_poll_interval %s is shorter than %s; every check runs each resource's status action", secs(v), secs(MinStatusPollInterval)),
			fmt.Sprintf("set it to at least %s seconds (default %s)", formatDecimal(MinStatusPollInterval, time.Second), formatDecimal(DefaultStatusPollInterval, time.Second)))
	case v > MaxStatusPollInterval:
		d.add(e, fmt.Sprintf("status_poll_interval %s is longer than %s (the value is in seconds)", secs(v), secs(MaxStatusPollInterval)),
			fmt.Sprintf("set it to at most %s seconds (default %s)", formatDecimal(MaxStatusPollInterval, time.Second), formatDecimal(DefaultStatusPollInterval, time.Second)))
	default:
		return v
	}
	return DefaultStatusPollInterval
}

// domains decodes <failoverdomains>.
func (d *decoder) domains(e *elem, c *Cluster) []FailoverDomain {
	d.checkAttrs(e, attrSpec{})
	var out []FailoverDomain
	seen := map[string]int{}
	for _, de := range d.kids(e, "failoverdomain")["failoverdomain"] {
		d.checkAttrs(de, attrSpec{known: domainAttrs})
		f := FailoverDomain{Name: d.required(de, "name", "prefer-n1"), Line: de.line,
			Ordered: d.boolean(de, "ordered", false), Restricted: d.boolean(de, "restricted", false),
			NoFailback: d.boolean(de, "nofailback", false)}
		if line, dup := seen[f.Name]; dup && f.Name != "" {
			d.add(de, fmt.Sprintf("failover domain name %q is used twice (also line %d)", f.Name, line), "give each <failoverdomain> a unique name")
		} else {
			seen[f.Name] = de.line
		}
		d.define("failoverdomain", f.Name)
		f.Nodes = d.domainNodes(de, c)
		out = append(out, f)
	}
	return out
}

// domainNodes decodes <failoverdomainnode>s; each must name a clusternode.
func (d *decoder) domainNodes(e *elem, c *Cluster) []DomainNode {
	list := d.kids(e, "failoverdomainnode")["failoverdomainnode"]
	if len(list) == 0 {
		d.add(e, "failover domain has no <failoverdomainnode>", `add <failoverdomainnode name="..."/> for each node of the domain`)
	}
	var out []DomainNode
	seen := map[string]int{}
	for _, ne := range list {
		d.checkAttrs(ne, attrSpec{known: domainNodeAttrs})
		d.kids(ne)
		n := DomainNode{Name: d.required(ne, "name", "node1"), Line: ne.line}
		n.Priority, _ = d.integer(ne, "priority", 1, 1, 100)
		if line, dup := seen[n.Name]; dup && n.Name != "" {
			d.add(ne, fmt.Sprintf("node %q is listed twice in this domain (also line %d)", n.Name, line), "list each node once")
		} else {
			seen[n.Name] = ne.line
		}
		if n.Name != "" && !d.defined("node", n.Name) {
			d.addLazy(ne, fmt.Sprintf("%q is not a <clusternode>", n.Name), func() string {
				return didYouMean(n.Name, nodeNames(c), `"%s"`, "use the name of a <clusternode>")
			})
		}
		out = append(out, n)
	}
	return out
}

func nodeNames(c *Cluster) []string {
	return names(len(c.Nodes), func(i int) string { return c.Nodes[i].Name })
}

// resources decodes <resources>: referenceable resources, unique per
// type and primary attribute.
func (d *decoder) resources(e *elem) []Resource {
	d.checkAttrs(e, attrSpec{})
	var out []Resource
	seen := map[string]int{}
	for _, re := range d.resourceElems(e) {
		r := d.resource(re, nil)
		for _, a := range primaryAttrs(r.Type) {
			if v, ok := r.Attrs[a]; ok {
				d.define(r.Type, v)
			}
		}
		key := r.Type + "\x00" + r.Key()
		if line, dup := seen[key]; dup && r.Key() != "" {
			d.add(re, fmt.Sprintf("<%s> %q is defined twice (also line %d)", r.Type, r.Key(), line), "remove one of them")
		} else {
			seen[key] = re.line
		}
		out = append(out, r)
	}
	return out
}

// resourceElems returns the resource children of e in file order,
// reporting anything else but the extra element names allowed.
func (d *decoder) resourceElems(e *elem, extra ...string) []*elem {
	if e == nil {
		return nil
	}
	d.kids(e, append(extra, ResourceTypes...)...) // reports the rest
	var out []*elem
	for _, child := range e.kids {
		if child.space == "" && isResourceType(child.name) {
			out = append(out, child)
		}
	}
	return out
}

// resource decodes one resource element and its children. c is nil
// inside <resources>, where ref= is not allowed; inside a service it
// resolves ref=.
func (d *decoder) resource(e *elem, c *Cluster) Resource {
	d.checkAttrs(e, attrSpec{open: true})
	r := Resource{Type: e.name, Attrs: params(e, "ref"), Line: e.line}
	ref, hasRef := e.attr("ref")
	prim := primaryAttrs(r.Type)
	switch {
	case hasRef && c == nil:
		d.add(e, "ref= is only allowed inside a <service>", fmt.Sprintf("define the resource here with %s= instead", prim[0]))
	case hasRef && r.Key() != "":
		d.add(e, fmt.Sprintf("both ref and %s are given", prim[0]), "use ref= to point at a resource in <resources>, or define it here, not both")
	case hasRef:
		r.Ref = ref
		d.resolve(e, r, c)
	case r.Key() == "":
		d.add(e, fmt.Sprintf("<%s> has no %s", r.Type, prim[0]), fmt.Sprintf(`add %s="..."%s`, prim[0], orUnit(r.Type)))
	}
	for _, ce := range d.resourceElems(e, "action") {
		r.Children = append(r.Children, d.resource(ce, c))
	}
	var acts []*elem
	for _, ce := range e.kids {
		if ce.space == "" && ce.name == "action" {
			acts = append(acts, ce)
		}
	}
	r.Actions = d.actions(acts)
	d.actionTimeouts(e, r)
	return r
}

func orUnit(typ string) string {
	if typ == "systemd" {
		return ` or unit="..."`
	}
	return ""
}

// resolve checks that a ref= names a resource in <resources>.
func (d *decoder) resolve(e *elem, r Resource, c *Cluster) {
	if d.defined(r.Type, r.Ref) {
		return
	}
	d.addLazy(e, fmt.Sprintf("ref %q does not match any <%s> in <resources>", r.Ref, r.Type), func() string {
		var keys []string
		for _, x := range c.RM.Resources {
			if x.Type == r.Type && len(keys) <= maxCandidates {
				keys = append(keys, x.Key())
			}
		}
		return didYouMean(r.Ref, keys, `"%s"`, fmt.Sprintf("define it in <resources> as <%s %s=%q .../>", r.Type, primaryAttrs(r.Type)[0], r.Ref))
	})
}

// actionTimeouts refuses a timeout given both by <action> and by the
// resource's __start_timeout, __stop_timeout or __status_timeout.
func (d *decoder) actionTimeouts(e *elem, r Resource) {
	for _, a := range r.Actions {
		attr := "__" + a.Name + "_timeout"
		if _, both := r.Attrs[attr]; both && a.Timeout >= 0 && (a.Name != "status" || a.Depth <= 0) {
			d.add(e, fmt.Sprintf("the %s timeout is given twice: %s and <action name=%q timeout> (line %d)", a.Name, attr, a.Name, a.Line),
				"keep one of them")
		}
	}
}
