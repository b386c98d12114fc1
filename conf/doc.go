// Package conf owns cluster.conf: the XML file, in rgmanager's dialect,
// that describes a quorate cluster. It parses the file with
// encoding/xml's token stream so every element keeps the line of its
// start tag, fills in defaults, validates the whole file, and writes it
// back in a canonical form (Cluster.Marshal).
//
// Parse reports every problem at once as an *ErrorList (errors.Is(err,
// ErrInvalid) holds); each *Error names the file, line, element, what is
// wrong and how to fix it:
//
//	cluster.conf:42: <clusternode name="n3">: nodeid 3 is used twice (also line 37); give each node a unique nodeid
//	cluster.conf:5: <quorumd label="qd">: unknown attribute "intervl"; did you mean "interval"?
//
// Validation never touches the disk, the network or the clock: device
// paths, key files and host names are checked for form only, so a file can
// be validated on any machine. Only Load reads a file.
//
// # Elements and attributes
//
// Times are decimal numbers ("0.1", "2", "1.5") in the unit shown.
// Booleans accept 1/0, yes/no, on/off and true/false. "open" means any
// further attribute is accepted and kept in a map.
//
//	element / attribute              default                 unit, range, meaning
//	<cluster>                                                root element; children below, each at most once except as noted
//	  name                           required
//	  config_version                 required                whole number >= 1; raise it with every change
//	<cman>
//	  two_node                       0                       needs exactly 2 nodes and expected_votes="1"
//	  expected_votes                 derived                 sum of node votes + quorumd votes
//	<totem>                                                  network heartbeats
//	  token                          400                     ms, >= 1; a peer silent this long is lost
//	  hb_interval                    token/4                 ms, > 0, at most token/2
//	  keyfile                        /etc/cluster/authkey    absolute path of the cluster key
//	  secauth                        on                      off disables heartbeat authentication
//	  port                           5405                    1..65535; used when an addr has no port
//	<quorumd>                        required                the quorum disk
//	  label                          -                       mkqdisk label; label or device is required
//	  device                         -                       absolute device path
//	  interval                       0.1                     s, > 0; one status write per interval
//	  tko                            4                       2..1000 missed intervals declare a node dead
//	  tko_up                         2                       1..tko timely writes before a node counts as up
//	  votes                          nodes-1, at least 1     0..65535
//	  master_wins                    0                       only the arbiter lease holder gets the disk's votes
//	  io_timeout                     interval                s, > 0, at most interval
//	  lease_timeout                  interval*(tko+2)        s, more than interval*tko
//	  min_score                      0 (automatic)           at most the sum of heuristic scores
//	  watchdog                       none                    hardware watchdog device every node pets while healthy
//	  watchdog_timeout               5                       s, whole, 1..3600; an eviction notice counts as a fence
//	                                                         lease_timeout + watchdog_timeout + margin after it was written
//	  <heuristic>                    any number
//	    program                      required                run with sh -c; exit 0 = pass
//	    score                        1                       1..1000
//	    interval                     quorumd interval        s, > 0
//	    tko                          quorumd tko             1..1000
//	<fence_daemon>
//	  post_fail_delay                0                       s, >= 0
//	  post_join_delay                6                       s, >= 0
//	<clusternodes>                   required, >= 1 node
//	  <clusternode>
//	    name                         required, unique
//	    nodeid                       required, unique        1..256
//	    votes                        1                       0..65535
//	    addr                         name:port               host, host:port, [v6] or [v6]:port; unique
//	    addr2                        none                    second heartbeat link, same forms
//	    <fence><method name=>        methods tried in order; a method needs >= 1 device, names unique per node
//	      <device name= ...>         open; name must be a <fencedevice>; other attributes go to the agent
//	    <unfence><device name= ...>  open; as above
//	<fencedevices>
//	  <fencedevice name= agent= ...> open; name (unique) and agent required
//	  agent="fence_scsi"             SCSI-3 reservations, run by quorated itself (see below)
//	    devices                      -                       absolute paths, comma-separated; here or on every <device>
//	    key                          md5(name)[:4]+nodeid    hex, nonzero; one per node (put it on the node's <device>)
//	    check_interval               quorumd interval*tko    s, > 0, <= 3600, at least 1 when derived: key check period
//	<rm>
//	  status_poll_interval           10                      s, 0.5..3600; the owner checks every resource of each
//	                                 service it runs this often (rgmanager's attribute and default)
//	  log_level log_facility status_child_max transition_throttling central_processing   kept in RM.Attrs
//	  <failoverdomains>
//	    <failoverdomain>
//	      name                       required, unique
//	      ordered restricted nofailback   0
//	      <failoverdomainnode>       >= 1 per domain
//	        name                     required                a <clusternode> name, once per domain
//	        priority                 1                       1..100, lower is preferred (ordered domains)
//	  <resources>                    resources that services reference with ref=
//	  <service>                      any number
//	    name                         required, unique
//	    domain                       none                    a <failoverdomain> name
//	    autostart                    1
//	    exclusive                    0
//	    recovery                     restart                 restart, relocate or disable
//	    max_restarts                 0                       >= 0
//	    restart_expire_time          0                       s
//	    depend                       none                    service:NAME of another service; no circles
//	    depend_mode                  hard                    hard or soft (Service.Dependency reads both)
//	    priority nfslock nfs_client_cache __*                kept in Service.Attrs
//	  resource elements              open; nest inside <resources>, <service> and each other
//	    <ip address=>                primary attribute address
//	    <fs name=> <script name=> <ocf name=> <exec name=> <portblock name=>   primary attribute name
//	    <systemd name= | unit=>      primary attribute name, or unit when name is absent
//
// A fence_scsi device is checked for form: devices= present (on the
// <fencedevice> or on each <device> naming it), absolute paths, each
// once; key= nonzero hex; native="0" is refused (Debian's fence_scsi
// needs corosync for its keys, and quorated registers and watches them
// itself); key_value other than "id" is refused. A node's fence_scsi
// references must agree on its key, and no two nodes may share one.
//
// Inside a service, a resource with ref="X" stands for the resource of
// the same type in <resources> whose primary attribute is X (for systemd,
// name or unit); it may not also carry its own primary attribute. Outside
// references, every resource needs its primary attribute, and resources in
// <resources> are unique per type and primary attribute. The rgmanager
// elements <vm> and <events> are refused with an explanation. A resource
// may hold rgmanager's <action name="start|stop|status" depth interval
// timeout> elements (Action; monitor reads as status, recover, reload,
// meta-data, validate-all and migrate are accepted and ignored): times
// are seconds or a number with s, m, h or d; a status interval is 0
// (off) or 0.5 s..1 h; depth is 0, 10, 20 or "*" (AnyDepth); a timeout
// given both by <action> and by the __*_timeout attribute is refused.
//
// # Timing rules
//
//   - Quorum disk: tko >= 2 so one slow write is not a death; tko_up <= tko.
//   - io_timeout <= interval: a write that may take longer than a cycle
//     would make a healthy node's slot look stale to its peers.
//   - lease_timeout > interval*tko: a node is declared dead after tko
//     silent intervals, so the arbiter lease must outlive that; otherwise
//     a second node could take the lease while the holder still counts as
//     alive. With io_timeout <= interval and tko >= 2 this also gives
//     lease_timeout - io_timeout - interval > 0, so the holder can always
//     renew in time.
//   - hb_interval <= token/2: at least two heartbeats fit in the token
//     timeout, so one lost packet never loses a peer. token >= 1ms.
//   - Every time is at most 24 hours.
//
// # Quorum
//
// ExpectedVotes is cman's expected_votes or, when unset, the sum of node
// votes and quorum-disk votes; QuorumVotes is ExpectedVotes/2+1 (1 with
// two_node). The file is refused when quorum can never be reached
// (expected_votes above what the nodes and disk can provide, or 0 votes
// in total) and when two_node="1" is used with other than 2 nodes or
// without expected_votes="1".
//
// # Canonical form
//
// Marshal writes elements in the order of the table above, two-space
// indented, typed attributes first and the rest sorted by name, leaving
// out every attribute equal to its default (derived defaults included),
// and node addresses always with a port. Parse(Marshal(c)) equals c
// except for Line fields and Raw. XML namespaces are not supported.
package conf
