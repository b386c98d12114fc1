package conf

import "time"

// Limits and defaults. MaxNodeID equals cluster.MaxNodes (the number of
// status slots on the quorum disk); conf does not import cluster so that
// cluster may import conf.
const (
	MaxNodeID = 256
	MaxSize   = 4 << 20 // largest cluster.conf Parse accepts, in bytes

	DefaultToken         = 400 * time.Millisecond
	DefaultKeyfile       = "/etc/cluster/authkey"
	DefaultPort          = 5405
	DefaultInterval      = 100 * time.Millisecond
	DefaultTKO           = 4
	DefaultTKOUp         = 2
	DefaultPostJoinDelay = 6 * time.Second
	// DefaultStatusPollInterval is rgmanager's status_poll_interval.
	DefaultStatusPollInterval = 10 * time.Second
	MinStatusPollInterval     = 500 * time.Millisecond
	MaxStatusPollInterval     = time.Hour

	maxDuration = 24 * time.Hour // upper bound of every time attribute
	maxCount    = 1000           // tko, tko_up, score, min_score
	maxVotes    = 65535
)

// Known attributes and children per element. Elements not listed here
// whose attribute sets are open (fencedevice, device, resources) accept
// any attribute.
var (
	clusterAttrs     = []string{"name", "config_version"}
	clusterKids      = []string{"cman", "totem", "quorumd", "fence_daemon", "clusternodes", "fencedevices", "rm"}
	cmanAttrs        = []string{"two_node", "expected_votes"}
	totemAttrs       = []string{"token", "hb_interval", "keyfile", "secauth", "port"}
	quorumdAttrs     = []string{"label", "device", "interval", "tko", "tko_up", "votes", "master_wins", "io_timeout", "lease_timeout", "min_score", "watchdog", "watchdog_timeout"}
	heuristicAttrs   = []string{"program", "score", "interval", "tko"}
	fenceDaemonAttrs = []string{"post_fail_delay", "post_join_delay"}
	nodeAttrs        = []string{"name", "nodeid", "votes", "addr", "addr2"}
	methodAttrs      = []string{"name"}
	rmAttrs          = []string{"log_level", "log_facility", "status_poll_interval", "status_child_max", "transition_throttling", "central_processing"}
	rmTyped          = []string{"status_poll_interval"}
	rmKids           = []string{"failoverdomains", "resources", "service"}
	domainAttrs      = []string{"name", "ordered", "restricted", "nofailback"}
	domainNodeAttrs  = []string{"name", "priority"}
	serviceTyped     = []string{"name", "domain", "autostart", "exclusive", "recovery", "max_restarts", "restart_expire_time"}
	serviceAttrs     = append(serviceTyped[:len(serviceTyped):len(serviceTyped)], "depend", "depend_mode", "priority", "nfslock", "nfs_client_cache")
	recoveries       = []string{"restart", "relocate", "disable"}
)

// ResourceTypes are the resource elements quorate can run (see svcmgr).
var ResourceTypes = []string{"ip", "fs", "script", "systemd", "ocf", "exec", "portblock"}

// unsupported are rgmanager elements quorate knowingly does not implement.
var unsupported = map[string]string{
	"vm":     "virtual machines are not supported; wrap the VM in a <systemd> or <script> resource inside a <service>",
	"events": "rgmanager event scripting is not supported; remove <events>",
}

// primaryAttrs lists the attributes that identify a resource of type typ
// and that ref= is matched against.
func primaryAttrs(typ string) []string {
	switch typ {
	case "ip":
		return []string{"address"}
	case "systemd":
		return []string{"name", "unit"}
	}
	return []string{"name"}
}

func isResourceType(name string) bool {
	for _, t := range ResourceTypes {
		if t == name {
			return true
		}
	}
	return false
}
