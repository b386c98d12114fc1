// Package vmtest boots the quorate appliance (out/vmlinux and
// out/quorate.cpio, built by image/build.sh) in qemu VMs and checks that
// they form a cluster from the shared quorum disk alone. The tests are
// behind the build tag vmtest, need root, qemu-system-x86_64 (TCG: no KVM
// is needed) and qboot, and skip with the reason when something is
// missing:
//
//	image/vmtest/run.sh        # what `make vm-test` runs; bounded to ~10 minutes
//	go test -tags vmtest -v -timeout 15m ./image/vmtest
//
// The lab (lab_test.go): a network namespace "quorate-vmtest" holding a
// bridge br0 at 10.77.0.1/24 and one tap per VM; a DHCP server on br0
// (labdhcp, package labnet: VM n gets 10.77.0.(10+n) and host name noden
// by its MAC 52:54:00:77:00:nn); a raw disk image under
// /var/tmp/quorate-vmtest (O_DIRECT needs a disk-backed file system)
// labelled and seeded with mkqdisk -c IMG -l LABEL --config cluster.conf
// --keyfile KEY; and per VM a qemu process with the shared disk
// (cache=none, share-rw), a virtio NIC, virtio-rng (without it the guest
// kernel blocks getrandom for minutes under TCG), an i6300esb watchdog
// that resets the VM, a QMP socket and a serial console on a Unix socket
// whose output is also logged to CASE-vmN.log.
//
// A VM can also sit behind its own BMC (bmc_test.go): an OpenIPMI
// ipmi_sim per VM in the lab namespace, LAN channel on 10.77.0.(20+n):623
// (lanplus, cipher 3, admin/secret), whose power is the VM: power on runs
// the VM's qemu (startcmd), power off is sent to that qemu over its
// ipmi-bmc-extern chardev (qemu exits at once; ipmi_sim kills it if not).
// qemu's pid file is kept in pids/ next to ipmi_sim's.
//
// Cases (TestAppliance): one VM joins; a disk with another label is
// refused and left unchanged; three VMs form a cluster, one is powered
// off (QMP quit) and evicted, another leaves by its power button; then
// ServicePowerFenceWatchdog, three VMs behind BMCs with i6300esb
// watchdogs (<quorumd watchdog="/dev/watchdog" watchdog_timeout="5">) and
// an exec service: the service runs (moved to node2 with clusvcadm), its
// owner is QMP-quit, node1 (the master) fences it through its BMC and
// starts the service, the fence's power on boots the VM again and it
// rejoins; the same VM paused (QMP stop) is fenced again, the BMC's power
// off ending the paused qemu; node3 (watchdog only, no <fence> method) is
// cut off the bridge, is evicted, its watchdog resets it (QMP WATCHDOG
// event) and it rejoins once the link is back; last, the quorum disk as
// an iSCSI LUN of tgtd (guest initiator, and qemu's as scsi-block);
// then SCSIPRFence (scsipr_test.go): three VMs share a data LUN of tgtd
// as scsi-block (/dev/sda, one initiator name each), each fenced and
// unfenced by fence_scsi on it, with i6300esb watchdogs and an exec
// service writer (uinit pr-write: an O_DIRECT write every 0.3 s). All
// three register their keys and node1, the master, holds the WERO
// reservation (read from node1's clustat --json, "reservations"); the
// writer's owner node2 is frozen (QMP stop), node1 fences it by
// preempting its key and starts writer; node2 is resumed (QMP cont): an
// O_DIRECT write typed on its console fails with RESERVATION CONFLICT,
// quorated logs its key gone ("FENCED: ..."), its watchdog resets it
// (QMP WATCHDOG), it boots, rejoins, registers again and writer fails
// back to it and writes; then node3's power button makes it leave
// gracefully, which unregisters its key without a fence; last, node1,
// the master and the reservation's holder, is frozen: node2 takes the
// lease, fences node1 by preempting its key, holds the WERO reservation
// itself and still writes.
//
// The tests drive each VM through its serial console: they run clustat
// --json in the appliance's console shell and read the answer between two
// marker lines, so what they check is what an operator sees. Timings
// (boot to member, one VM and three in parallel; eviction after a power
// off; owner power off to fence and to the service on another VM; cut
// off to watchdog reset and to rejoin; frozen to fenced by its key and
// to the service on another VM, resumed to the refused write, the
// self-fence and the return) are printed as lines starting with
// "vm-test:".
//
// Every qemu, ipmi_sim and DHCP process writes its pid to /var/tmp/quorate-vmtest/pids,
// so run.sh can end exactly those if the test binary dies; the namespace
// (with its bridge and taps) is deleted at the end.
package vmtest
