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
// whose output is also logged to vmN.log.
//
// The tests drive each VM through its serial console: they run clustat
// --json in the appliance's console shell and read the answer between two
// marker lines, so what they check is what an operator sees. Timings
// (boot to member, one VM and three in parallel; eviction after a power
// off) are printed as lines starting with "vm-test:".
//
// Every qemu and DHCP process writes its pid to /var/tmp/quorate-vmtest/pids,
// so run.sh can end exactly those if the test binary dies; the namespace
// (with its bridge and taps) is deleted at the end.
package vmtest
