package cluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// NodeInfo is one configured node as the state machine needs it.
type NodeInfo struct {
	ID    NodeID
	Name  string
	Votes int
	Fence bool // has power or fabric fence methods in cluster.conf
}

// ServiceInfo is one <service> as placement needs it.
type ServiceInfo struct {
	Name       string
	Domain     []NodeID // failover domain nodes, most preferred first; empty = any member
	Ordered    bool     // prefer Domain's order (else the least loaded domain node)
	Restricted bool     // run only on Domain nodes
	NoFailback bool     // do not move back to a more preferred node
	Autostart  bool
	// Exclusive runs the service only on a member that runs no other
	// service, and places nothing else there while it runs (rgmanager's
	// exclusive="1").
	Exclusive bool
	Recovery  string // restart, relocate or disable
	// MaxRestarts in RestartExpire before a failure relocates instead of
	// restarting in place (0: always restart in place).
	MaxRestarts   int
	RestartExpire time.Duration
	// Depend names a service this one needs (rgmanager's
	// depend="service:NAME"): it is placed only while that one is
	// started, and, unless DependSoft (depend_mode="soft"), it is stopped
	// when that one stops, fails or is being recovered, to start again
	// once it is back.
	Depend     string
	DependSoft bool
}

// Config is everything a Node needs. Times are durations on the node's
// monotonic clock; see DefaultTimings for the defaults cluster.conf uses.
type Config struct {
	Self     NodeID
	Nodes    []NodeInfo // every configured node, including Self
	Services []ServiceInfo

	QdiskVotes    int  // votes of the quorum disk, given to the lease holder's side
	ExpectedVotes int  // 0: sum of node votes + QdiskVotes
	TwoNode       bool // quorum is 1 vote (the disk still arbitrates)

	Heartbeat time.Duration // network heartbeat period
	Token     time.Duration // network silence after which a peer is not heard
	Interval  time.Duration // quorum-disk cycle: one slot write + one read
	TKO       int           // disk intervals without a change after which a slot is silent
	TKOUp     int           // slot changes a joining node must show before admission
	IOTimeout time.Duration // deadline of one disk I/O (enforced by the adapter)
	// LeaseTimeout is how long a master's slot must stand still, on an
	// observer's clock, before the observer may start a ballot.
	LeaseTimeout time.Duration

	// PostFailDelay is how long the master waits after evicting a node
	// before fencing it (fence_daemon post_fail_delay).
	PostFailDelay time.Duration
	// WatchdogTimeout, when set, says every node runs a hardware watchdog
	// that resets it this long after it stops petting (on eviction, lost
	// quorum or a dead disk): an eviction notice then counts as a fence once
	// that long (plus the margin) has passed since it reached the disk.
	WatchdogTimeout time.Duration

	Incarnation uint64 // random per daemon start; 0 draws one from Rand
	// Ballot is the node's Disk Paxos block as found in its slot at start:
	// Disk Paxos needs a restarted node to keep what it promised.
	Ballot Ballot
	// Released is the master record found in the node's slot at start, if
	// any. The node keeps publishing it as given up, so its evictions
	// outlive a crash of the master that posted them.
	Released *MasterRecord
	// SeenGen is the SeenGen found in the node's slot at start.
	SeenGen       uint64
	SeenOwner     NodeID
	SeenOwnerInc  uint64
	ConfigVersion uint64
	Rand          *rand.Rand // all randomness; nil = seeded from Incarnation
}

// DefaultTimings are quorate's defaults: detection well under a second.
var DefaultTimings = Config{
	Heartbeat:    100 * time.Millisecond,
	Token:        400 * time.Millisecond,
	Interval:     100 * time.Millisecond,
	TKO:          4,
	TKOUp:        2,
	IOTimeout:    100 * time.Millisecond,
	LeaseTimeout: 600 * time.Millisecond,
}

// ErrConfig is wrapped by every Config validation error.
var ErrConfig = errors.New("invalid cluster configuration")

// Margin is how much earlier than LeaseTimeout a lease holder and its
// followers stop trusting the lease: one I/O deadline (a write issued in
// time may land that much later) plus a tenth for clock-rate drift.
func (c *Config) Margin() time.Duration {
	return c.IOTimeout + c.LeaseTimeout/10
}

// Validate checks the timing rules the safety argument rests on.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...))
	}
	if c.Self == 0 || c.node(c.Self) == nil {
		bad("node %d is not in the node list", c.Self)
	}
	seen := map[NodeID]bool{}
	for _, n := range c.Nodes {
		if n.ID == 0 || int(n.ID) > MaxNodes {
			bad("node id %d outside 1..%d", n.ID, MaxNodes)
		}
		if seen[n.ID] {
			bad("node id %d used twice", n.ID)
		}
		seen[n.ID] = true
	}
	if c.Heartbeat <= 0 || c.Token < 2*c.Heartbeat {
		bad("token %v must be at least twice the heartbeat %v", c.Token, c.Heartbeat)
	}
	if c.Interval <= 0 || c.TKO < 2 || c.TKOUp < 1 {
		bad("interval %v must be positive, tko %d at least 2, tko_up %d at least 1", c.Interval, c.TKO, c.TKOUp)
	}
	if c.IOTimeout <= 0 || c.IOTimeout > c.Interval {
		bad("io_timeout %v must be positive and at most the interval %v", c.IOTimeout, c.Interval)
	}
	if c.LeaseTimeout-c.Margin() < 2*c.Interval {
		bad("lease_timeout %v leaves the master less than two intervals (%v) to renew; raise it to at least %v",
			c.LeaseTimeout, 2*c.Interval, (2*c.Interval+c.IOTimeout)*10/9+time.Millisecond)
	}
	return errors.Join(errs...)
}

func (c *Config) node(id NodeID) *NodeInfo {
	for i := range c.Nodes {
		if c.Nodes[i].ID == id {
			return &c.Nodes[i]
		}
	}
	return nil
}

// votesOf sums the votes of the nodes in s.
func (c *Config) votesOf(s NodeSet) int {
	v := 0
	for _, n := range c.Nodes {
		if s.Has(n.ID) {
			v += n.Votes
		}
	}
	return v
}

// Expected is the expected votes quorum is computed against.
func (c *Config) Expected() int {
	if c.ExpectedVotes > 0 {
		return c.ExpectedVotes
	}
	v := c.QdiskVotes
	for _, n := range c.Nodes {
		v += n.Votes
	}
	return v
}

// QuorumVotes is the number of votes a partition needs.
func (c *Config) QuorumVotes() int {
	if c.TwoNode {
		return 1
	}
	return c.Expected()/2 + 1
}

// ids lists the configured node ids in ascending order.
func (c *Config) ids() []NodeID {
	out := make([]NodeID, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.ID
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
