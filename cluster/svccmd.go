package cluster

import "fmt"

// ServiceCommand is clusvcadm on the master: enable (-e, optionally on a
// member), disable (-d), stop (-s), relocate (-r), restart (-R), freeze
// (-Z), unfreeze (-U). A target member that would break an exclusive
// service's rule is refused (ErrExclusive); an enable that finds no member
// free leaves the service enabled but stopped and says so (ErrExclusive):
// it starts as soon as a member is free.
func (n *Node) ServiceCommand(op string, name string, target NodeID) error {
	if n.role != roleMaster || !n.masterValid() {
		return ErrNotMaster
	}
	if !n.master.quorate {
		return ErrSvcNoQuorum
	}
	s := n.svcInfo(ServiceKey(name))
	e := n.master.svc[ServiceKey(name)]
	if s == nil || e == nil {
		return fmt.Errorf("%w: %q", ErrNoService, name)
	}
	m := n.master.meta[e.Key]
	if target != 0 {
		if !n.master.members.Has(target) {
			return fmt.Errorf("%w: node %d is not an online member", ErrBadMember, target)
		}
		if s.Restricted && domainRank(s, target) == len(s.Domain) {
			return fmt.Errorf("%w: node %d is not in the restricted failover domain of %s", ErrBadMember, target, name)
		}
		if (op == "enable" || op == "relocate") && target != e.Owner {
			if err := n.refuseTarget(s, target); err != nil {
				return err
			}
		}
	}
	if e.State == SvcRecovering && op != "freeze" && op != "unfreeze" {
		return ErrFencing
	}
	if e.Frozen && op != "unfreeze" {
		return fmt.Errorf("%w: %s is frozen; unfreeze it first (clusvcadm -U)", ErrSvcState, name)
	}
	switch op {
	case "enable":
		switch {
		case running(e.State) && target != 0 && target != e.Owner:
			n.stopThen(e, m, "place", target)
		case running(e.State):
			return fmt.Errorf("%w: %s is already %s on node %d", ErrSvcState, name, e.State, e.Owner)
		case e.State == SvcStopping:
			return fmt.Errorf("%w: %s is stopping", ErrSvcState, name)
		default:
			e.Held, e.Target, e.State = false, target, SvcStopped
			m.tried, m.after = NodeSet{}, ""
			n.place(s, e, m)
			switch {
			case e.Owner == 0 && m.waiting != "" && n.dependencyDown(s) != "":
				n.nextCycle = n.now
				return fmt.Errorf("%w: %s is enabled but stays stopped: %s; it starts once that one has started", ErrDependency, name, m.waiting)
			case e.Owner == 0 && m.waiting != "":
				n.nextCycle = n.now
				return fmt.Errorf("%w: %s is enabled but stays stopped: %s; it starts as soon as one is free", ErrExclusive, name, m.waiting)
			}
		}
	case "disable":
		n.stopThen(e, m, "disable", 0)
	case "stop":
		n.stopThen(e, m, "hold", 0)
	case "relocate":
		if !running(e.State) {
			return fmt.Errorf("%w: %s is %s, not running", ErrSvcState, name, e.State)
		}
		if target == 0 {
			c, why := n.candidates(s, SetOf(e.Owner))
			if len(c) == 0 {
				if why != "" {
					return fmt.Errorf("%w: no other member can run %s: %s", ErrExclusive, name, why)
				}
				return fmt.Errorf("%w: no other member can run %s", ErrBadMember, name)
			}
			target = c[0]
		}
		n.stopThen(e, m, "place", target)
	case "restart":
		if !running(e.State) {
			return fmt.Errorf("%w: %s is %s, not running", ErrSvcState, name, e.State)
		}
		n.bumpGen(e)
		e.State = SvcStarting
	case "freeze":
		e.Frozen = true
	case "unfreeze":
		e.Frozen = false
	default:
		return fmt.Errorf("unknown service operation %q", op)
	}
	n.notice(LevelInfo, fmt.Sprintf("service %s: %s requested by an operator", name, op), target, op)
	n.nextCycle = n.now
	return nil
}

// serviceTable is the master's table in cluster.conf order.
func (n *Node) serviceTable() []ServiceEntry {
	var out []ServiceEntry
	for _, s := range n.cfg.Services {
		if e := n.master.svc[ServiceKey(s.Name)]; e != nil {
			out = append(out, *e)
		}
	}
	return out
}
