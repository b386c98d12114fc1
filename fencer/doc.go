// Package fencer owns how a node is made harmless: power fencing through
// a BMC with the built-in IPMI-over-LAN client, any standard fence agent
// (fence_*) through the fence-agents stdin protocol, SCSI-3 persistent
// reservations through SG_IO, the hardware watchdog behind the quorum
// disk's poison pill, and the rule that says when a poison pill counts as
// a fence. Whether and when to fence is decided by package cluster; only
// the arbiter-lease holder calls Fence.
//
// # How methods and devices are tried
//
// A node's <fence> lists methods in order; each method lists devices.
// Fence tries the methods one after the other and stops at the first one
// that succeeds. A method succeeds only if every one of its devices
// succeeds, in order (a server with two power supplies needs both
// switched off); the first failing device ends the method and the next
// method is tried. A device's parameters are its <fencedevice>
// attributes overridden by the attributes of the <device> reference, and
// are passed to agents exactly as fenced passed them, plus nodename=.
// The action is the request's, else the device's action=, else reboot
// (off for a fabric agent such as fence_scsi, whose metadata lists no
// reboot; such an agent is never asked to reboot or to switch a victim
// back on).
// "off" succeeds only once the device reports the power off (status is
// polled every PollInterval for power_timeout, 20 s by default; a BMC
// acknowledges "off" before the power is really gone). "reboot" is off,
// verify off, then on; a failing power-on is reported but does not undo
// the fence. A failing device is retried Retries times, except for
// configuration and login errors. A timeout, an unreachable or
// unanswering device, an unknown agent, a rejected password or a missing
// parameter is always a failure, never a success; when every method
// fails, Fence reports Success=false and the caller must keep the node's
// services where they are. <unfence> devices are run with action on by
// Unfence. Every device try is an Attempt kept in History (the last 100)
// for clustat.
//
// Agent selection for a device with agent="fence_xxx": Options.Agents
// first; fence_scsi is always the built-in one (native="0" is refused:
// Debian's fence_scsi takes its keys and the cluster name from corosync);
// for fence_ipmilan (and fence_ipmilanplus) the built-in client when the
// device says native="1" or the fence_ipmilan executable is not
// installed; otherwise the executable of that name in $PATH, /usr/sbin or
// /sbin. native="0" insists on the executable.
//
// delay= (seconds) is waited before an off or reboot by the built-in
// agents; external agents receive delay= and wait themselves, as
// fence-agents do. A delay cut short by the caller's deadline is a
// timeout, and nothing is sent to the device.
//
// # Fence-agents stdin protocol
//
// An external agent is started with no arguments in its own process
// group, with its parameters on stdin, one per line:
//
//	action=off
//	ipaddr=10.0.0.11
//	login=admin
//	nodename=n1
//	passwd=secret
//
// action= comes first, the rest sorted by name; values never contain a
// newline (such a parameter is refused). Exit status for off and on: 0
// success, anything else failure; for status and monitor: 0 on, 2 off,
// anything else "could not tell" (never "off"). When Timeout expires
// the process group is killed with SIGKILL. Stdout and stderr are kept
// (16 KiB) in the Attempt with every password-like value replaced by
// "******"; passwords are never logged.
//
// # Native IPMI
//
// IPMI v2.0 lanplus (cipher suite cipher=, default 3) or v1.5
// (lanplus="0") via github.com/bougou/go-ipmi: one session per call,
// Chassis Control power down / power up, Get Chassis Status for status.
// Parameters as fence_ipmilan: ipaddr|ip, ipport (623), login|username,
// passwd|password|passwd_script|password_script, privlvl.
//
// # SCSI-3 persistent reservations
//
// A node's key is fence_scsi's key_value=id: the hex digits
// md5(cluster name)[0:4] followed by the node id as 4 decimal digits,
// read as a 64-bit hex number (cluster "alpha", whose md5 starts with
// 2c17, node 3 → 0x2c170003). PR uses these commands (all big-endian):
//
//	PERSISTENT RESERVE OUT CDB (10 bytes)
//	  0     0x5F
//	  1     service action (bits 4-0): 0 REGISTER, 1 RESERVE, 2 RELEASE,
//	        3 CLEAR, 4 PREEMPT, 5 PREEMPT AND ABORT,
//	        6 REGISTER AND IGNORE EXISTING KEY, 7 REGISTER AND MOVE
//	  2     scope (bits 7-4, 0 = LU) | type (bits 3-0): 1 WE, 3 EA,
//	        5 WE-RO (Write Exclusive – Registrants Only), 6 EA-RO, 7 WE-AR, 8 EA-AR
//	  3-4   reserved
//	  5-8   parameter list length = 24
//	  9     control = 0
//	PR OUT parameter list (24 bytes)
//	  0-7   reservation key (the caller's registered key)
//	  8-15  service action reservation key (new key; victim for PREEMPT)
//	  16-19 obsolete
//	  20    bit 3 SPEC_I_PT, bit 2 ALL_TG_PT, bit 0 APTPL
//	  21    reserved
//	  22-23 obsolete
//	PERSISTENT RESERVE IN CDB (10 bytes)
//	  0     0x5E
//	  1     service action: 0 READ KEYS, 1 READ RESERVATION,
//	        2 REPORT CAPABILITIES, 3 READ FULL STATUS
//	  2-6   reserved
//	  7-8   allocation length
//	  9     control = 0
//	READ KEYS response
//	  0-3   PR generation
//	  4-7   additional length n (8 × number of keys)
//	  8-    n/8 keys of 8 bytes
//	READ RESERVATION response
//	  0-3   PR generation
//	  4-7   additional length: 0 (no reservation) or 16
//	  8-15  reservation key of the holder
//	  16-19 obsolete
//	  20    reserved
//	  21    scope (bits 7-4) | type (bits 3-0)
//	  22-23 obsolete
//
// Sense data, when the status is CHECK CONDITION (0x02):
//
//	fixed (response code 0x70 current, 0x71 deferred; bit 7 = VALID)
//	  0 response code, 2 sense key (bits 3-0), 3-6 information,
//	  7 additional length, 8-11 command specific, 12 ASC, 13 ASCQ,
//	  14 FRU code, 15-17 sense key specific
//	descriptor (0x72 current, 0x73 deferred)
//	  0 response code, 1 sense key (bits 3-0), 2 ASC, 3 ASCQ,
//	  7 additional length, 8- descriptors
//
// Status 0x18 is RESERVATION CONFLICT (ErrReservationConflict). A command
// failing with UNIT ATTENTION (sense key 6, e.g. 2A/03 reservations
// preempted, 29/00 reset) is retried once. Preempt sends PREEMPT AND
// ABORT and falls back to PREEMPT on ILLEGAL REQUEST (sense key 5; tgt
// rejects PREEMPT AND ABORT with 24/00), then checks with READ KEYS that
// the victim's key is gone. A fenced node never re-registers by itself:
// Register is called only when the cluster admits the node again.
//
// # Built-in fence_scsi
//
// <fencedevice agent="fence_scsi" devices="/dev/sdb,/dev/sdc"/> with
// rgmanager's parameter names: devices= (required, here or on the
// <device>), key= (the node's key in hex; default KeyFor of the cluster
// name and the nodeid), aptpl=. The node a request is about is the
// target; the node the Fencer runs on (Options.Self) acts through its
// own path (I_T nexus) to every device:
//
//   - off: for each device, READ KEYS; unless the target key is already
//     gone, PREEMPT AND ABORT (or PREEMPT) it with this node's key and
//     verify with READ KEYS; then READ RESERVATION: a LUN without a
//     reservation lets unregistered nodes write, so this node takes WERO
//     when there is none. Every device is tried; the action fails if any
//     fails. Fencing the local node is refused, and so is fencing from a
//     node whose own key is not registered (it could neither preempt nor
//     reserve).
//   - on: register the target's key (REGISTER AND IGNORE EXISTING KEY),
//     verified by READ KEYS; only for the local node.
//   - status: On when the key is registered on every device, Off when on
//     none, an error when only on some.
//
// fence_scsi is a fabric agent: off by default, never reboot. LocalSCSI
// gives quorated the node's own devices, key and key-check interval.
//
// # Watchdog and poison pill
//
// Watchdog wraps the Linux watchdog device: WDIOC_SETTIMEOUT
// (_IOWR('W', 6, int) = 0xC0045706) when opened, WDIOC_KEEPALIVE
// (_IOR('W', 5, int) = 0x80045705) per Pet, WDIOC_GETTIMEOUT
// (0x80045707) to read the timeout the driver chose, and the magic
// character 'V' written before close to disarm it on a clean stop.
// Closing without 'V' leaves it counting: the machine resets. The master
// counts a poison pill as a fence only at PoisonPillConfirmedAt on its
// own monotonic clock (sbd's msgwait rule).
//
// The package is Linux-only (process groups, SG_IO, watchdog ioctls).
package fencer
