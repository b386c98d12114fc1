package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/u-root/u-root/pkg/kmodule"
)

// modules are loaded in this order, each with its dependencies (from
// modules.dep, written by image/mkmods). virtio_pci first: the virtio
// device drivers find their devices through it. virtio_rng next: without
// a hardware RNG (or RDRAND) a VM's kernel gathers entropy by CPU jitter,
// which under TCG takes minutes and blocks getrandom (DHCP, keys).
// Missing modules (a kernel with the driver built in, or a trimmed image)
// are skipped.
var modules = []string{
	"virtio_pci", "virtio_rng", "virtio_blk", "virtio_net", "virtio_scsi", "sd_mod", "sg",
	"i6300esb",        // watchdog: quorated opens /dev/watchdog
	"button", "evdev", // ACPI power button
	"crc32c_generic", "iscsi_tcp", // kernel iSCSI initiator (quorate.iscsi=); it needs crc32c even without digests
	"ipmi_si", "ipmi_devintf", // /dev/ipmi0 when the machine has a BMC
}

func loadModules(log *slog.Logger) {
	start := time.Now()
	p, err := kmodule.NewProber(kmodule.ProbeOpts{})
	if err != nil {
		log.Error("cannot load kernel modules: "+err.Error(), "hint", "is /lib/modules/$(uname -r)/modules.dep in the image?")
		return
	}
	n := 0
	for _, m := range modules {
		if err := p.Probe(m, ""); err != nil {
			log.Warn("kernel module not loaded", "module", m, "err", err)
			continue
		}
		n++
	}
	log.Info("kernel modules loaded", "count", n, "took", time.Since(start).Round(time.Millisecond))
	waitForDevices(log)
}

// waitForDevices gives the drivers a moment to create the network
// interfaces and disks they found (they probe asynchronously).
func waitForDevices(log *slog.Logger) {
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if ents, _ := os.ReadDir("/sys/class/net"); len(ents) > 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	log.Warn("no network interface appeared within 3s")
}
