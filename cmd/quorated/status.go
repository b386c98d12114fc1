package main

import (
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/cluster"
)

// status builds the API's picture from the brain and the adapters.
func (d *daemon) status() *api.Status {
	st := d.node.Status()
	out := &api.Status{Time: time.Now(), Local: d.self.Name, LocalID: d.self.ID,
		Cluster:  api.ClusterInfo{Name: d.conf.Name, ConfigVersion: d.conf.ConfigVersion, Generation: st.Generation},
		Quorum:   api.QuorumInfo{Quorate: st.Quorate, Votes: st.Votes, Expected: st.Expected, Quorum: st.Quorum},
		Services: d.serviceStatus(), Fencing: d.fenceHistory()}
	if out.Fencing == nil {
		out.Fencing = []api.FenceEvent{}
	}
	names := map[cluster.NodeID]string{}
	for _, n := range d.conf.Nodes {
		names[cluster.NodeID(n.ID)] = n.Name
	}
	for _, p := range st.Peers {
		state, reason := memberState(p, st), p.Reason
		if d.node.Fencing(p.ID) {
			if cn := d.conf.NodeByID(int(p.ID)); cn != nil && len(cn.Fence) > 0 {
				state = "fencing"
			} else {
				reason += "; not fenced: it has no fence method (its services wait until it restarts)"
			}
		}
		m := api.Member{Name: names[p.ID], ID: int(p.ID), Votes: p.Votes, State: state,
			Local: p.ID == st.Self, Master: p.ID == st.Master && st.Master != 0, Network: p.Heard,
			Disk: p.DiskAlive, Reason: reason}
		out.Members = append(out.Members, m)
	}
	qd := api.QuorumDisk{State: "offline", Master: names[st.Master], Label: d.conf.Quorumd.Label,
		Device: d.disk.Name(), Votes: d.conf.Quorumd.Votes}
	if st.DiskOK {
		qd.State = "online"
	}
	out.QuorumDisk = qd
	ds, ns := d.disk.Stats(), d.net.Stats().Total
	out.Counters = map[string]uint64{
		"heartbeats_sent": ns.Sent, "heartbeats_received": ns.Received, "packets_dropped": ns.Dropped(),
		"packets_bad_mac": ns.BadMAC, "packets_replayed": ns.Replay, "packets_wrong_cluster": ns.WrongCluster,
		"packets_malformed": ns.Malformed + ns.BadMagic + ns.BadVersion,
		"disk_reads":        ds.Reads, "disk_writes": ds.Writes, "disk_io_errors": ds.IOErrors,
		"disk_timeouts": ds.Timeouts, "disk_corrupt_blocks": ds.Corrupt, "disk_stale_blocks": ds.Stale,
		"disk_slot_copies_lost": ds.LostCopies,
		"slot_write_errors":     st.Counters.WriteErrors, "bad_slots": st.Counters.BadSlots,
		"ballots": st.Counters.Ballots, "evictions": st.Counters.Evictions,
	}
	return out
}

// memberState names a node's state the way clustat prints it.
func memberState(p cluster.PeerStatus, st cluster.Status) string {
	switch {
	case p.Evicted && p.Reason == cluster.EvictDead.String() && !p.Heard:
		return "offline" // dead, and its notice waits for it should it wake
	case p.ID == st.Self && st.State == cluster.StateEvicted, p.Evicted:
		return "evicted"
	case p.ID == st.Self && st.State == cluster.StateDown:
		return "down"
	case p.Member:
		return "online"
	case p.State == cluster.StateLeaving:
		return "offline"
	case p.State == cluster.StateEvicted:
		return "evicted"
	case p.Heard && (p.State == cluster.StateJoining || p.ID == st.Self):
		return "joining"
	}
	return "offline"
}
