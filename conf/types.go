package conf

import "time"

// Cluster is one parsed and validated cluster.conf with every default
// filled in. Line fields give the line of the element's start tag.
type Cluster struct {
	Name          string
	ConfigVersion uint64
	CMAN          CMAN
	Totem         Totem
	Quorumd       Quorumd
	FenceDaemon   FenceDaemon
	Nodes         []Node
	FenceDevices  []FenceDevice
	RM            RM
	Raw           []byte // the exact bytes parsed
}

// CMAN is <cman>.
type CMAN struct {
	TwoNode       bool
	ExpectedVotes int // 0 = derived, see Cluster.ExpectedVotes
}

// Totem is <totem>: network heartbeat timing and authentication.
type Totem struct {
	Token     time.Duration // attr token, ms; default 400ms
	Heartbeat time.Duration // attr hb_interval, ms; default Token/4
	Keyfile   string        // default /etc/cluster/authkey
	SecAuth   bool          // default true; secauth="off" disables
	Port      int           // default 5405; used when a node addr has no port
}

// Quorumd is <quorumd>: the quorum disk.
type Quorumd struct {
	Label, Device string
	Interval      time.Duration // attr seconds; default 0.1s
	TKO           int           // default 4
	TKOUp         int           // default 2
	Votes         int           // default len(nodes)-1, at least 1
	MasterWins    bool
	IOTimeout     time.Duration // attr io_timeout, seconds; default Interval
	LeaseTimeout  time.Duration // attr lease_timeout, seconds; default Interval*(TKO+2)
	// Watchdog is the hardware watchdog device every node pets while it is
	// a healthy member (attr watchdog, e.g. /dev/watchdog; "" = none).
	Watchdog string
	// WatchdogTimeout is its timeout (attr watchdog_timeout, whole
	// seconds, default 5).
	WatchdogTimeout time.Duration
	MinScore        int // attr min_score; 0 = automatic
	Heuristics      []Heuristic
	Line            int
}

// Heuristic is <quorumd><heuristic>: a shell command whose exit status 0
// adds Score to the node's score.
type Heuristic struct {
	Program  string
	Score    int           // default 1
	Interval time.Duration // attr seconds; default Quorumd.Interval
	TKO      int           // default Quorumd.TKO
	Line     int
}

// FenceDaemon is <fence_daemon>.
type FenceDaemon struct {
	PostFailDelay time.Duration // attr post_fail_delay, seconds; default 0
	PostJoinDelay time.Duration // attr post_join_delay, seconds; default 6s
}

// Node is <clusternode>.
type Node struct {
	Name    string
	ID      int
	Votes   int    // default 1
	Addr    string // host:port; default name:Totem.Port
	Addr2   string // optional second link, host:port
	Fence   []FenceMethod
	Unfence []FenceDeviceRef
	Line    int
}

// FenceMethod is <clusternode><fence><method>: every device must succeed.
type FenceMethod struct {
	Name    string
	Devices []FenceDeviceRef
	Line    int
}

// FenceDeviceRef is a <device> inside a <method> or <unfence>.
type FenceDeviceRef struct {
	Name   string
	Params map[string]string // all attributes except name
	Line   int
}

// FenceDevice is <fencedevices><fencedevice>.
type FenceDevice struct {
	Name, Agent string
	Params      map[string]string // all attributes except name and agent
	Line        int
}

// RM is <rm>, the resource manager section.
type RM struct {
	Domains   []FailoverDomain
	Resources []Resource
	Services  []Service
	// StatusPollInterval is status_poll_interval (seconds): how often the
	// owner checks every resource of each service it runs.
	StatusPollInterval time.Duration
	Attrs              map[string]string // the other <rm> attributes, unparsed
}

// FailoverDomain is <failoverdomain>.
type FailoverDomain struct {
	Name                            string
	Ordered, Restricted, NoFailback bool
	Nodes                           []DomainNode
	Line                            int
}

// DomainNode is <failoverdomainnode>.
type DomainNode struct {
	Name     string
	Priority int // 1..100, lower is preferred; default 1
	Line     int
}

// Resource is a resource element (ip, fs, script, systemd, ocf, exec,
// portblock) in <resources> or in a service tree.
type Resource struct {
	Type     string            // the element name
	Attrs    map[string]string // all attributes except ref
	Ref      string            // set when ref= names a resource in <resources>
	Children []Resource
	Actions  []Action `json:",omitempty"` // <action> children: check intervals and timeouts
	Line     int
}

// Service is <service>, the root of a resource tree.
type Service struct {
	Name, Domain  string
	Autostart     bool   // default true
	Exclusive     bool   // default false
	Recovery      string // restart|relocate|disable; default restart
	MaxRestarts   int
	RestartExpire time.Duration // attr restart_expire_time, seconds
	Children      []Resource
	Attrs         map[string]string // attributes without a typed field (depend, priority, __*)
	Line          int
}

// NodeByName returns the node called name, or nil.
func (c *Cluster) NodeByName(name string) *Node {
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i]
		}
	}
	return nil
}

// NodeByID returns the node with nodeid id, or nil.
func (c *Cluster) NodeByID(id int) *Node {
	for i := range c.Nodes {
		if c.Nodes[i].ID == id {
			return &c.Nodes[i]
		}
	}
	return nil
}

// FenceDeviceByName returns the <fencedevice> called name, or nil.
func (c *Cluster) FenceDeviceByName(name string) *FenceDevice {
	for i := range c.FenceDevices {
		if c.FenceDevices[i].Name == name {
			return &c.FenceDevices[i]
		}
	}
	return nil
}

// ServiceByName returns the service called name, or nil.
func (c *Cluster) ServiceByName(name string) *Service {
	for i := range c.RM.Services {
		if c.RM.Services[i].Name == name {
			return &c.RM.Services[i]
		}
	}
	return nil
}

// DomainByName returns the failover domain called name, or nil.
func (c *Cluster) DomainByName(name string) *FailoverDomain {
	for i := range c.RM.Domains {
		if c.RM.Domains[i].Name == name {
			return &c.RM.Domains[i]
		}
	}
	return nil
}

// ResourceByRef returns the resource in <resources> of type typ whose
// primary attribute (see Key) equals ref, or nil.
func (c *Cluster) ResourceByRef(typ, ref string) *Resource {
	return findResource(c.RM.Resources, typ, ref)
}

func findResource(list []Resource, typ, ref string) *Resource {
	for i := range list {
		r := &list[i]
		if r.Type == typ && r.matches(ref) {
			return r
		}
	}
	return nil
}

// Key is the resource's identifying value: its Ref when it is a
// reference, else its primary attribute (ip: address; systemd: name, or
// unit when name is absent; all others: name).
func (r *Resource) Key() string {
	if r.Ref != "" {
		return r.Ref
	}
	for _, a := range primaryAttrs(r.Type) {
		if v := r.Attrs[a]; v != "" {
			return v
		}
	}
	return ""
}

// matches reports whether ref names r by any of its primary attributes.
func (r *Resource) matches(ref string) bool {
	for _, a := range primaryAttrs(r.Type) {
		if v, ok := r.Attrs[a]; ok && v == ref {
			return true
		}
	}
	return false
}

// ExpectedVotes is CMAN.ExpectedVotes when set, else the sum of the
// nodes' votes plus the quorum disk's votes.
func (c *Cluster) ExpectedVotes() int {
	if c.CMAN.ExpectedVotes > 0 {
		return c.CMAN.ExpectedVotes
	}
	return c.totalVotes()
}

func (c *Cluster) totalVotes() int {
	n := c.Quorumd.Votes
	for _, node := range c.Nodes {
		n += node.Votes
	}
	return n
}

// QuorumVotes is the number of votes a partition needs to be quorate: 1
// with two_node, else ExpectedVotes()/2+1.
func (c *Cluster) QuorumVotes() int {
	if c.CMAN.TwoNode {
		return 1
	}
	return c.ExpectedVotes()/2 + 1
}
