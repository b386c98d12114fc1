package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/quorate/quorate/conf"
)

// writeSummary prints c for people: every setting with its effective
// value (defaults filled in), passwords hidden.
func writeSummary(w io.Writer, c *conf.Cluster) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "cluster %s, config_version %d\n", c.Name, c.ConfigVersion)
	writeGlobals(tw, c)
	writeNodes(tw, c)
	if len(c.FenceDevices) > 0 {
		fmt.Fprintf(tw, "\nfence devices:\n  NAME\tAGENT\tPARAMETERS\n")
		for _, f := range c.FenceDevices {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Name, f.Agent, params(f.Params))
		}
	}
	writeRM(tw, c.RM)
	return tw.Flush()
}

func writeGlobals(w io.Writer, c *conf.Cluster) {
	nodeVotes := 0
	for _, n := range c.Nodes {
		nodeVotes += n.Votes
	}
	fmt.Fprintf(w, "quorum: expected votes %d, quorum %d (nodes %d votes, quorum disk %d)%s\n",
		c.ExpectedVotes(), c.QuorumVotes(), nodeVotes, c.Quorumd.Votes, onOff(c.CMAN.TwoNode, ", two_node", ""))
	t := c.Totem
	fmt.Fprintf(w, "totem: token %v, hb_interval %v, port %d, secauth %s, keyfile %s\n",
		t.Token, t.Heartbeat, t.Port, onOff(t.SecAuth, "on", "off"), t.Keyfile)
	q := c.Quorumd
	where := "label " + q.Label
	if q.Device != "" {
		where = "device " + q.Device
	}
	fmt.Fprintf(w, "quorum disk: %s; interval %v, tko %d, tko_up %d, votes %d, master_wins %s, io_timeout %v, lease_timeout %v, min_score %d\n",
		where, q.Interval, q.TKO, q.TKOUp, q.Votes, onOff(q.MasterWins, "1", "0"), q.IOTimeout, q.LeaseTimeout, q.MinScore)
	for _, h := range q.Heuristics {
		fmt.Fprintf(w, "  heuristic %q: score %d, interval %v, tko %d\n", h.Program, h.Score, h.Interval, h.TKO)
	}
	fmt.Fprintf(w, "fence_daemon: post_fail_delay %v, post_join_delay %v\n", c.FenceDaemon.PostFailDelay, c.FenceDaemon.PostJoinDelay)
}

func writeNodes(w io.Writer, c *conf.Cluster) {
	fmt.Fprintf(w, "\nnodes:\n  ID\tNAME\tVOTES\tADDR\tADDR2\tFENCING\n")
	for _, n := range c.Nodes {
		var methods []string
		for _, m := range n.Fence {
			var devs []string
			for _, d := range m.Devices {
				devs = append(devs, strings.TrimSpace(d.Name+" "+params(d.Params)))
			}
			methods = append(methods, m.Name+": "+strings.Join(devs, " + "))
		}
		fence := strings.Join(methods, "; then ")
		if fence == "" {
			fence = "none"
		}
		fmt.Fprintf(w, "  %d\t%s\t%d\t%s\t%s\t%s\n", n.ID, n.Name, n.Votes, n.Addr, dash(n.Addr2), fence)
	}
}

func writeRM(w io.Writer, rm conf.RM) {
	if len(rm.Domains) > 0 {
		fmt.Fprintf(w, "\nfailover domains:\n")
		for _, d := range rm.Domains {
			var nodes []string
			for _, n := range d.Nodes {
				nodes = append(nodes, fmt.Sprintf("%s (%d)", n.Name, n.Priority))
			}
			flags := []string{onOff(d.Ordered, "ordered", "unordered"), onOff(d.Restricted, "restricted", "unrestricted")}
			if d.NoFailback {
				flags = append(flags, "nofailback")
			}
			fmt.Fprintf(w, "  %s: %s; %s\n", d.Name, strings.Join(flags, ", "), strings.Join(nodes, ", "))
		}
	}
	if len(rm.Resources) > 0 {
		fmt.Fprintf(w, "\nresources:\n")
		writeResources(w, rm.Resources, 1)
	}
	if len(rm.Services) > 0 {
		fmt.Fprintf(w, "\nservices:\n")
	}
	for _, s := range rm.Services {
		fmt.Fprintf(w, "  %s: domain %s, recovery %s, autostart %s, exclusive %s, max_restarts %d, restart_expire_time %v%s\n",
			s.Name, dash(s.Domain), s.Recovery, onOff(s.Autostart, "1", "0"), onOff(s.Exclusive, "1", "0"),
			s.MaxRestarts, s.RestartExpire, prefixed(" ", params(s.Attrs)))
		writeResources(w, s.Children, 2)
	}
}

func writeResources(w io.Writer, list []conf.Resource, depth int) {
	for _, r := range list {
		what := r.Key()
		if r.Ref != "" {
			what = "ref " + r.Ref
		}
		fmt.Fprintf(w, "%s%s %s%s\n", strings.Repeat("  ", depth), r.Type, what, prefixed(": ", otherParams(r)))
		writeResources(w, r.Children, depth+1)
	}
}

// otherParams are a resource's attributes except the one Key shows.
func otherParams(r conf.Resource) string {
	rest := map[string]string{}
	for k, v := range r.Attrs {
		if r.Ref != "" || v != r.Key() {
			rest[k] = v
		}
	}
	return params(rest)
}

// params formats attributes sorted by name, hiding passwords.
func params(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := m[k]
		if strings.Contains(strings.ToLower(k), "passw") {
			v = "(hidden)"
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, " ")
}

func onOff(b bool, on, off string) string {
	if b {
		return on
	}
	return off
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}
