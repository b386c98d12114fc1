// Command mkqdisk initialises, lists and dumps quorate quorum disks, like
// the mkqdisk of Red Hat Cluster Manager:
//
//	mkqdisk -c DEVICE -l LABEL [--cluster NAME] [--force]   initialise
//	mkqdisk -L [--json]                                     list quorum disks on block devices
//	mkqdisk -f LABEL [--json]                               find the device(s) with LABEL
//	mkqdisk -d DEVICE [--json]                              dump header and slots (read-only)
//
// Exit status: 0 ok, 1 error, 2 usage.
package main
