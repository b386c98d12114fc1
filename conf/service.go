package conf

import (
	"fmt"
	"strings"
	"time"
)

// services decodes the <service> elements of <rm>.
func (d *decoder) services(list []*elem, c *Cluster) []Service {
	var out []Service
	seen := map[string]int{}
	for _, se := range list {
		s := d.service(se, c)
		if line, dup := seen[s.Name]; dup && s.Name != "" {
			d.add(se, fmt.Sprintf("service name %q is used twice (also line %d)", s.Name, line), "give each service a unique name")
		} else {
			seen[s.Name] = se.line
		}
		out = append(out, s)
	}
	for i, se := range list {
		d.depend(se, out[i], seen)
	}
	d.dependCycles(list, out)
	return out
}

// dependCycles refuses services that depend on each other in a circle:
// none of them could ever start.
func (d *decoder) dependCycles(list []*elem, svcs []Service) {
	next := map[string]string{}
	for i := range svcs {
		if dep, _ := svcs[i].Dependency(); dep != "" && dep != svcs[i].Name {
			next[svcs[i].Name] = dep
		}
	}
	reported := map[string]bool{}
	for i := range svcs {
		path := []string{svcs[i].Name}
		for cur := next[svcs[i].Name]; cur != "" && len(path) <= len(svcs); cur = next[cur] {
			if cur == svcs[i].Name {
				if !reported[cur] {
					for _, p := range path {
						reported[p] = true
					}
					d.add(list[i], fmt.Sprintf("services depend on each other in a circle: %s -> %s", strings.Join(path, " -> "), cur),
						"remove depend from one of them; none of them could ever start")
				}
				break
			}
			path = append(path, cur)
		}
	}
}

func (d *decoder) service(e *elem, c *Cluster) Service {
	d.checkAttrs(e, attrSpec{known: serviceAttrs, prefix: "__"})
	s := Service{Name: d.required(e, "name", "web"), Line: e.line, Attrs: params(e, serviceTyped...)}
	s.Domain, _ = e.attr("domain")
	if s.Domain != "" && !d.defined("failoverdomain", s.Domain) {
		d.addLazy(e, fmt.Sprintf("failover domain %q is not defined", s.Domain), func() string {
			doms := names(len(c.RM.Domains), func(i int) string { return c.RM.Domains[i].Name })
			return didYouMean(s.Domain, doms, `"%s"`, fmt.Sprintf(`add <failoverdomain name="%s"> to <failoverdomains>`, s.Domain))
		})
	}
	s.Autostart = d.boolean(e, "autostart", true)
	s.Exclusive = d.boolean(e, "exclusive", false)
	s.Recovery = "restart"
	if v, ok := e.attr("recovery"); ok {
		if contains(recoveries, v) {
			s.Recovery = v
		} else {
			d.add(e, fmt.Sprintf("recovery %q is not valid", v), `use "restart", "relocate" or "disable"`)
		}
	}
	s.MaxRestarts, _ = d.integer(e, "max_restarts", 0, 0, 1000000)
	s.RestartExpire, _ = d.duration(e, "restart_expire_time", time.Second, 0, true)
	for _, re := range d.resourceElems(e) {
		s.Children = append(s.Children, d.resource(re, c))
	}
	return s
}

// Dependency returns the service s depends on (depend="service:NAME")
// and whether depend_mode is soft; "" when it has none.
func (s *Service) Dependency() (name string, soft bool) {
	name, _ = strings.CutPrefix(s.Attrs["depend"], "service:")
	return name, s.Attrs["depend_mode"] == "soft"
}

// depend checks depend="service:NAME" against the other services, and
// depend_mode.
func (d *decoder) depend(e *elem, s Service, names map[string]int) {
	if m, ok := s.Attrs["depend_mode"]; ok && m != "hard" && m != "soft" {
		d.add(e, fmt.Sprintf("depend_mode %q is not valid", m), `use "hard" (stopped when the dependency stops; the default) or "soft" (only started after it)`)
	}
	v, ok := s.Attrs["depend"]
	if !ok {
		if _, mode := s.Attrs["depend_mode"]; mode {
			d.add(e, "depend_mode is given without depend", `add depend="service:NAME" or remove depend_mode`)
		}
		return
	}
	target, found := strings.CutPrefix(v, "service:")
	switch {
	case !found || target == "":
		d.add(e, fmt.Sprintf("depend %q is not of the form service:NAME", v), `write depend="service:NAME"`)
	case target == s.Name:
		d.add(e, "service depends on itself", "remove depend")
	case names[target] == 0:
		d.add(e, fmt.Sprintf("depend names service %q, which is not defined", target), "name an existing <service>")
	}
}
