// Package appliance is the logic of the quorate appliance's init (the
// uinit of the u-root image, image/uinit): it reads the kernel command
// line, picks the quorum disk by its label, checks the configuration
// stored on it, works out this node's name, writes /etc/cluster and keeps
// quorated running. The OS-facing parts (scanning block devices, DHCP,
// loading modules, starting processes) are passed in as functions, so the
// whole boot sequence runs in unit tests without root.
//
// # Kernel command line
//
// Parameters are separated by white space; a value may be enclosed in
// double quotes to hold spaces (quorate.node="a b" is accepted but such a
// name would not pass cluster.conf validation). Keys this package reads:
//
//	quorate.label=LABEL        the quorum disk's mkqdisk label (required)
//	quorate.node=NAME          this node's <clusternode name>; default: DHCP host name
//	quorate.cluster=NAME       refuse a quorum disk or configuration of any other cluster
//	quorate.iscsi=URI          log in to iscsi://HOST[:PORT]/TARGET-IQN[/LUN] before looking for the disk
//	quorate.initiator=IQN      iSCSI initiator name (default iqn.2026-11.org.quorate:NAME, see InitiatorName)
//	quorate.shell=0|1          keep a shell on the console (default 1)
//	quorate.debug=0|1          log debugging details to the console (default 0)
//
// Other keys (console=, quiet, …) are ignored; an unknown quorate.* key
// is reported, so a typo is seen on the console.
//
// # Boot sequence and safety
//
// After the network is up, Boot repeats one attempt until its context ends:
//
//  1. Scan every block device read-only for quorum disk headers
//     (quorumdisk.Scan) and Choose the one with the label. No such disk,
//     several devices with that label, or a disk stamped with another
//     cluster than quorate.cluster: print why on the console, retry after
//     RetryInterval.
//  2. Read the configuration stored in the disk's config area
//     (quorumdisk.Disk.ReadConfig) and Check it: it must parse, name the
//     same cluster as the disk's stamp (and as quorate.cluster), name the
//     quorum disk by the same label (so quorated opens the very disk this
//     node recognised, never a device path from the file) and come with a
//     cluster key unless secauth is off.
//  3. Resolve this node's name (ResolveNode): quorate.node, else the DHCP
//     host name (full, then the part before the first dot), else the node
//     whose addr is one of this machine's addresses; it must be a
//     <clusternode> of the configuration.
//  4. Write cluster.conf (0644) and the key (0600, to the totem keyfile
//     path) atomically, and run quorated -c cluster.conf -n NAME until it
//     exits. An exit after less than StableAfter backs off (Backoff) before
//     the next attempt; every attempt starts again at step 1, so a newer
//     configuration on the disk is picked up on restart.
//
// The appliance only ever reads block devices; the only writer of the
// quorum disk is quorated, which opens it by the label checked above.
package appliance
