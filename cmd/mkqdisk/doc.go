// Command mkqdisk initialises, lists and dumps quorate quorum disks, like
// the mkqdisk of Red Hat Cluster Manager:
//
//	mkqdisk -c DEVICE -l LABEL [--cluster NAME] [--force]   initialise
//	        [--config FILE [--keyfile FILE]]                also store cluster.conf (and the key)
//	mkqdisk -L [--json]                                     list quorum disks on block devices
//	mkqdisk -f LABEL [--json]                               find the device(s) with LABEL
//	mkqdisk -d DEVICE [--json]                              dump header and slots (read-only)
//
// With --config, the file is validated first (an invalid one is refused,
// naming its problems, before anything is written), its cluster name is
// stamped unless --cluster says otherwise, and it is stored in the disk's
// config area as the cluster's first accepted configuration; --keyfile
// stores the cluster key with it, in clear (see package quorumdisk for
// what that means for protecting the LUN).
//
// Exit status: 0 ok, 1 error, 2 usage.
package main
