// Package svcmgr owns how one node starts, stops and watches a service's
// resource tree on the local machine. Which node runs which service, and
// what to do when a service fails (restart, relocate, disable), is
// decided in package cluster; svcmgr carries out "start service S here",
// "stop it", "is it healthy?" and tells the daemon at once when a
// resource fails by itself.
//
// # Trees
//
// NewTree turns a conf.Service into a Tree. A resource written as
// ref="X" stands for the resource of the same type in <resources> whose
// primary attribute is X; the referencing element's other attributes
// (such as __independent_subtree) override the referenced ones, and the
// children of both are kept. Each resource is named "type:key" (e.g.
// "ip:10.0.0.5/24", "script:httpd") in statuses and events, and appears
// at most once per service.
//
// Start order, as rgmanager's service.sh: a parent starts before its
// children; typed siblings start by level, equal levels in file order;
// untyped siblings (a type without a level) follow in file order:
//
//	level  type                     note
//	10     lvm                      rgmanager (no agent here)
//	20     fs
//	30-60  clusterfs netfs nfsexport nfsclient   rgmanager (no agent here)
//	65     portblock action=block   closes the port before the address arrives
//	70     ip
//	80     smb                      rgmanager (no agent here)
//	90     script
//	91     systemd                  quorate: after script
//	92     ocf                      quorate
//	93     exec                     quorate
//	95     portblock action=unblock reopens the port once everything is up
//
// Stop is the exact reverse of the start order (children before parents).
// For the types with agents this equals rgmanager's stop numbers (script
// 1, ip 2, fs 8). Start validates every resource first and starts
// nothing when one is invalid; when a resource fails to start, the tree
// stops it and everything started before it, in reverse. Stop goes on
// past failures and returns them joined. Every agent call runs under a
// timeout: Env.Timeouts, or per resource __start_timeout,
// __stop_timeout and __status_timeout in seconds.
//
// Status polls every agent and sums up: Running, Stopped, Failed, or
// Partial (running without benched non-critical subtrees). Watch pushes
// the failures agents notice by themselves (an exec child exits, a
// systemd unit turns failed or inactive, a monitored link goes down).
//
// # Independent subtrees
//
// A resource with __independent_subtree="1" roots a subtree that is
// restarted alone when something in it fails (RecoverIndependent);
// the service is recovered as a whole only if that restart fails, or
// after more than __max_failures failures within
// __failure_expire_time seconds (0: ever). With "2" (non-critical), a
// subtree that will not come back is stopped and left out; the tree is
// then Partial.
//
// # Changing a running tree
//
// When cluster.conf changes a service, Apply turns the running tree into
// the one NewTree built from the new file and restarts only what changed,
// as rgmanager does. A resource is the same resource when its "type:key"
// is (ref= and an inline definition of the same key are one resource);
// it changed when any attribute other than the __ flags differs, or its
// parent is another resource. Removed resources stop (children first);
// a changed resource restarts with everything below it; added ones
// start in start order; the rest keep running, untouched, and take the
// new __ flags (timeouts, __independent_subtree, __max_failures) at
// once. Diff tells the same without acting. A failure part-way leaves
// the tree Failed for the daemon to recover as a whole.
//
// StatusTimeout bounds one Status call (the sum of the resources' status
// timeouts).
//
// # Periodic checks
//
// Each resource has status checks (checks.go), rgmanager's <action
// name="status" depth interval timeout>: the depth-0 check every
// Env.PollInterval (<rm status_poll_interval>; SetPollInterval changes
// it) unless an <action> sets another interval or 0 (off); deeper
// checks (10, 20) where an <action> asks for them; depth="*" sets them
// all. Start schedules every check one interval ahead, Stop clears them.
// Poll runs the checks that are due (the deepest, when several of a
// resource are), counts the others as running, and sums up as Status
// does; NextPoll and MinPollInterval tell the daemon when to call it
// without waiting for an operation in flight, PollTimeout bounds it.
// Agents with deeper checks implement DeepChecker: ocf sets
// OCF_CHECK_LEVEL; fs reads the mount point at 10 and writes a test
// file at 20. <action name="start|stop" timeout> set those timeouts.
// The daemon polls each running service when a check is due and, on a
// failure, calls RecoverIndependent before telling the cluster.
//
// # Agents and their parameters
//
// Errors wrap ErrConfig (fix cluster.conf: no node can run it) or
// ErrNotInstalled (this node lacks something: another may do better) and
// name the parameter or file and the fix; the Tree names the resource.
//
//	ip         address=      required; "10.0.0.5", "10.0.0.5/24", "fd00::5/64"
//	           monitor_link  1: an interface without carrier fails Start and Status, and its loss is pushed
//	           prefer_interface (or interface)  among interfaces on the subnet, this one; with a
//	                         prefix in address=, used even without a matching subnet
//	           arp_count     5 announcements (gratuitous ARP / unsolicited NA), 0 disables
//	           arp_interval  200 ms between announcements
//	  The interface is the one with an address whose subnet holds the new
//	  address; without /len the prefix is that address's. IPv6 addresses
//	  are added with IFA_F_NODAD. Netlink and sockets act in the network
//	  namespace of the calling thread.
//	fs         device=       required; a path, LABEL=… or UUID=…, or any mount source (host:/export)
//	           mountpoint=   required; absolute, not /; created when missing
//	           fstype options   passed to mount(8) -t / -o
//	           force_fsck    0: when 1, fsck -p first (exit >= 4 fails Start)
//	           force_unmount 0: when 1, a busy unmount kills the users (found by a /proc scan of
//	                         cwd, root, exe, fds and maps) with SIGTERM, then SIGKILL, and retries
//	  Status reads /proc/self/mountinfo (device matched by major:minor) and
//	  stats the mount point under the status timeout.
//	script     file=         required; an LSB init script run as "file start|stop|status";
//	                         start/stop succeed on 0; status 0 running, 3 stopped, else failed
//	systemd    unit= or name=   the unit (".service" added without a suffix); started and
//	                         stopped with jobs in mode "replace" whose result must be "done"
//	  ActiveState active, reloading, activating: running; inactive,
//	  deactivating: stopped; failed: failed. A PropertiesChanged signal
//	  taking a started unit to failed or inactive is pushed at once. The
//	  bus comes from Env.SystemdBus (BusAt dials an address).
//	ocf        provider= type=  (or agent="provider/type"); provider defaults to heartbeat; the agent
//	                         is $OCF_ROOT/resource.d/PROVIDER/TYPE
//	  Every other attribute, except rgmanager's __ flags, is passed as
//	  OCF_RESKEY_<name>, with OCF_ROOT, OCF_RA_VERSION_MAJOR=1,
//	  OCF_RA_VERSION_MINOR=1, OCF_RESOURCE_INSTANCE (name=, or
//	  SERVICE-TYPE), OCF_RESOURCE_TYPE, OCF_RESOURCE_PROVIDER and
//	  OCF_CHECK_LEVEL=0. Validate checks the parameters the meta-data
//	  marks required and runs validate-all. monitor: 0, 8, 190, 191
//	  running; 7 stopped; others failed. stop accepts 0 and 7. Exit
//	  codes 2 and 6 wrap ErrConfig, 5 ErrNotInstalled.
//	exec       command=      required; split like a shell without expansion (Split)
//	           user          run as this user (name or uid)
//	           pidfile       where the pid is recorded; default StateDir/SERVICE/exec-NAME.pid
//	           restart_delay 0 s: after an unexpected exit, Start first waits this long since it
//	           stop_grace    10 s between SIGTERM and SIGKILL (at most half the stop timeout)
//	  The program runs in its own process group with its output logged;
//	  its exit is pushed at once. Stop signals the whole group. After a
//	  daemon restart a live process recorded in the pid file with the
//	  same command line is adopted and watched through a pidfd.
//	portblock  portno= (or port=)  required; "80", "80,443" or "8000:8080" (up to 15 items)
//	           action=       required; block: start blocks, stop unblocks; unblock: the reverse
//	           protocol      tcp (SYNs dropped: clients retry) or udp
//	           ip            only packets to this address
//	  One DROP rule per resource, tagged with the comment
//	  "quorate:SERVICE:NAME", in the filter chain QUORATE-PORTBLOCK, which
//	  INPUT jumps to first. A marker file in StateDir records that the
//	  resource is started.
//
// # Formats decoded here
//
// /proc/PID/mountinfo lines (mountEntry documents the fields), shell
// command lines (Split), OCF meta-data XML (ocfMeta), and the two
// announcement packets, byte by byte in arpPacket and naPacket.
package svcmgr
