// Package cluster is quorate's brain: a pure state machine that decides
// membership, quorum, the arbiter lease and evictions from what a node hears
// on the network and reads on the quorum disk. It does no I/O and reads no
// clock: the daemon feeds it Step(now, event) and Tick(now) with a monotonic
// time and carries out the actions Ready returns (send a heartbeat, write the
// node's slot, read slots, log a notice). The simulator in cluster/sim drives
// it through thousands of seeded fault schedules.
//
// # Channels
//
// Every node sends a heartbeat to every peer each Heartbeat (default 100 ms)
// and, each Interval (default 100 ms), writes its own slot on the quorum disk
// and then reads: the master's slot only while it follows a valid master,
// every slot otherwise (one sequential read). A peer is heard when a
// heartbeat arrived within Token (400 ms); its disk is alive when its slot
// changed within TKO intervals (4 × 100 ms), as seen on the observer's own
// monotonic clock. Liveness is always judged by values changing, never by
// comparing clocks.
//
// # The lease: Disk Paxos over per-node slots
//
// Each slot carries a Disk Paxos block (Gafni & Lamport, 2000) for the
// arbiter lease: Lver names the instance (the lease generation being
// decided), Mbal the highest ballot the node started, Bal and Owner the
// value it last accepted. A node writes only its own slot. A candidate for
// generation g:
//
//  1. writes Mbal = b (unique: a multiple of 256 plus its id) and reads all
//     slots; it aborts if any slot has a higher (Lver, Mbal), if any slot is
//     unreadable (a torn or corrupt block may hide a ballot), or if the
//     presumed owner's slot changed since it decided to bid;
//  2. adopts the value with the highest Bal in instance g, or itself if none,
//     writes Bal = b with that value and reads all slots again, aborting on
//     the same conditions. If it gets through, the value is chosen. If the
//     value is itself, it is master of generation g.
//
// A failed ballot write also aborts. The Disk Paxos block survives restarts:
// the daemon restores it from the node's slot, so a node never forgets what
// it accepted. The presumed owner of the lease is the value with the highest
// Bal in the highest instance that has one; followers trust only that node's
// slot, and only while it claims that generation (State master, Master
// record of generation g).
//
// # Timing rules, and why a paused or slow master cannot act late
//
// Let L be LeaseTimeout (600 ms), D the I/O deadline (IOTimeout) and
// margin = D + L/10.
//
//	R1. A master acts only while now < s + L - margin, where s is the issue
//	    time of its last write that completed successfully. It checks this on
//	    every Tick and Step before anything else, so after a pause (SIGSTOP,
//	    VM freeze) it demotes before it does anything.
//	R2. A write lands within D of being issued, or never (the adapter gives
//	    up at D; the quorum LUN must not queue I/O indefinitely — no
//	    queue_if_no_path — exactly as for qdiskd and sanlock).
//	R3. A candidate may bid for the next generation only after the presumed
//	    owner's slot has stood still for L since the read that last saw it
//	    change (or since it saw the owner release the lease or restart), on
//	    its own clock; its ballot reads abort if the slot changes.
//	R4. A follower credits a change of the master's slot to the issue time of
//	    the previous read (which still saw the old value, so the write landed
//	    after it) and trusts the master's view until credit + L - margin.
//
// Safety. Suppose candidate C commits generation g+1 at time T. By R3, C saw
// the old master M's slot last change at a read completing at r ≤ T - L,
// and saw no change after. Every write M completed successfully landed before
// it completed; a successful write landing after r would have been seen by C's
// ballot reads, so the last successful write C did not see would have to land
// after T, hence (R2) be issued after T - D. But M issues a write only while
// valid, and its validity runs from its previous successful write, which C did
// see: M's validity ends by r + L - margin ≤ T - margin < T - D. So M stopped
// acting before T and issued nothing C did not account for. Followers of M
// credited every change at or before its landing (R4), so their trust ends by
// r + L - margin < T. At most one node is master and at most one generation's
// view is trusted at any instant. Clock jumps do not matter: only the
// monotonic clock is used, and only differences on one node's clock are
// compared. Drift between clock rates is covered by the L/10 in the margin.
// Torn writes are caught by the block checksum and abort ballots.
//
// # Membership, partitions and eviction
//
// The master reads every slot each interval. It admits a running node that
// is heard, whose slot changed at least TKOUp times and whose net view
// includes the master. It removes a member that left (SIGTERM: slot and
// heartbeat say leaving), restarted (new incarnation) or gave up; it evicts
// (posts an eviction notice for that incarnation in its own Master record) a
// member that is silent on both channels (dead), heard but whose slot stopped
// well after its last heartbeat (lost its disk), or whose slot keeps changing
// well after its last heartbeat (cut off by a network partition). When the
// cut-off nodes form a side (by the net views in their slots) with more votes
// than the master's side, the master abdicates instead, and the stronger side
// takes the lease once L has passed. Ties go to the master (qdiskd's
// master_wins). The sides are judged only once they are apart: while a
// cut-off node still hears (and is heard by) a node the master hears, the
// master waits, because a network that splits it from several nodes at
// once silences their heartbeats at different moments; a partial
// partition that stays so is judged after two tokens of silence. A victim reads the notice in the master's slot and obeys: it
// leaves and stays out until restarted. A master that gives the lease up keeps
// publishing its last record, evictions included, marked released, and a
// restarted node restores it, so notices outlive the master that posted them;
// a new master carries every notice it finds on the disk.
//
// Quorum: the master's view is quorate when the votes of its members plus
// the quorum disk's votes reach expected/2+1 (1 in a two-node cluster). A
// node is quorate while it holds a valid lease on a quorate view, or trusts
// (R4) a master whose quorate view lists it.
//
// # Services
//
// The master keeps the service table in its record (placement.go): each
// entry names an owner incarnation, a state and a generation; an owner acts
// on an entry only when its generation is newer than the last it acted on.
// A new order therefore always takes a generation above the table's and
// above every generation any slot reports for the service, because the
// table can start again from nothing (a torn master block, a service
// removed and added again) while a node remembers a higher one. A service
// moves off a lost owner only once every eviction notice of the owning
// incarnation is fenced; fences are owed per node, so a notice whose fence
// was replaced by a newer incarnation's is confirmed at the next cycle when
// the node's slot shows another incarnation (as selfFenced does), and owed
// again otherwise; and a restart or an acknowledged eviction confirms a
// fence at the first cycle that shows it, even while a failed power fence
// waits out its retry back-off. A recovering entry whose owner is a member
// under the same incarnation again (adopted from its slot before it was
// admitted) returns to its owner. Exclusive services (exclusive.go) run only on a member
// that holds no other service, and nothing else is placed beside them; a
// member holds what the table gives it and what its slot reports running
// or stopping. A service that depends on another (ServiceInfo.Depend) is
// placed only while that one is started in the table and, unless soft, is
// stopped while it is not (placement.go: dependencyDown). A service that
// no member may take, or whose dependency is down, waits stopped, and
// ServiceReason says why on every node.
//
// # Cost
//
// Per node and interval: one 4 KiB slot write, one read of one slot (the
// master: one sequential read of all N slots), and N-1 heartbeats per
// heartbeat period per link. With N nodes the disk sees N writes and
// N + (N-1) slot reads per interval, so the master's reads grow linearly
// (256 nodes at 100 ms: 10 MB/s for the master, 40 KB/s for every other node).
package cluster
