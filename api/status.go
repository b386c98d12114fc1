package api

import "time"

// Status is what GET /v1/status returns: the local daemon's picture of the
// cluster. clustat renders it as rgmanager's text table, XML or JSON; the
// JSON field names are a stable interface for scripts.
type Status struct {
	Time       time.Time         `json:"time"`
	Cluster    ClusterInfo       `json:"cluster"`
	Quorum     QuorumInfo        `json:"quorum"`
	Local      string            `json:"local"`    // this node's name
	LocalID    int               `json:"local_id"` // this node's id
	Members    []Member          `json:"members"`
	QuorumDisk QuorumDisk        `json:"quorum_disk"`
	Services   []Service         `json:"services"`
	Fencing    []FenceEvent      `json:"fence_history"`
	Counters   map[string]uint64 `json:"counters,omitempty"` // dropped packets, I/O errors, …
	// Reservations are this node's SCSI-3 persistent-reservation LUNs
	// (fence_scsi devices), as it last read them; absent without any.
	Reservations []Reservation `json:"reservations,omitempty"`
}

// Reservation is one LUN of the local node's fence_scsi devices as
// quorated last read it through this node's own path: what
// sg_persist -i -k and -i -r would show there.
type Reservation struct {
	Device  string    `json:"device"`
	Key     string    `json:"key"`              // this node's key, e.g. "0x2c170001"
	State   string    `json:"state"`            // waiting, registered, not registered, fenced, failed, left, unknown (read failed: see error)
	Keys    []string  `json:"keys"`             // every key registered at the last read
	Holder  string    `json:"holder,omitempty"` // key holding the reservation; "" when none
	Type    string    `json:"type,omitempty"`   // the reservation's type, e.g. "WERO"
	Error   string    `json:"error,omitempty"`
	Checked time.Time `json:"checked"` // time of the last read; zero before the first
}

// ClusterInfo names the cluster and its configuration.
type ClusterInfo struct {
	Name          string `json:"name"`
	ConfigVersion uint64 `json:"config_version"`
	Generation    uint64 `json:"generation"` // arbiter lease generation in force
}

// QuorumInfo is the local node's quorum verdict.
type QuorumInfo struct {
	Quorate  bool `json:"quorate"`
	Votes    int  `json:"votes"`    // votes of the members plus the quorum disk's when the master's side holds it
	Expected int  `json:"expected"` // expected votes
	Quorum   int  `json:"quorum"`   // votes needed
}

// Member is one configured node as the local daemon sees it.
type Member struct {
	Name    string `json:"name"`
	ID      int    `json:"id"`
	Votes   int    `json:"votes"`
	State   string `json:"state"` // online, offline, joining, leaving, evicted, down
	Local   bool   `json:"local"`
	Master  bool   `json:"master"`  // holds the arbiter lease
	Network bool   `json:"network"` // heard on the network now (by the local node)
	Disk    bool   `json:"disk"`    // its quorum-disk slot is advancing (as far as the local node knows)
	Reason  string `json:"reason,omitempty"`
}

// QuorumDisk describes the quorum disk row of clustat.
type QuorumDisk struct {
	State  string `json:"state"`  // online, offline (local I/O failing), …
	Master string `json:"master"` // name of the lease holder, "" if none
	Label  string `json:"label"`
	Device string `json:"device"`
	Votes  int    `json:"votes"`
	ID     int    `json:"id"` // rgmanager shows the quorum disk with id 0
}

// Service is one service of <rm>, as the master placed it.
type Service struct {
	Name           string    `json:"name"`
	State          string    `json:"state"` // stopped, starting, started, stopping, failed, recovering, disabled
	Owner          string    `json:"owner"`
	LastOwner      string    `json:"last_owner"`
	Restarts       int       `json:"restarts"`
	Frozen         bool      `json:"frozen"`
	LastTransition time.Time `json:"last_transition"`
	Reason         string    `json:"reason,omitempty"`
}

// FenceEvent is one fencing operation in the history.
type FenceEvent struct {
	Node       string    `json:"node"`
	Method     string    `json:"method"`
	Device     string    `json:"device"`
	Result     string    `json:"result"` // success, failed, pending
	Started    time.Time `json:"started"`
	DurationMS int64     `json:"duration_ms"`
}
