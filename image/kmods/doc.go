// Package kmods picks kernel modules out of an unpacked kernel package for
// the appliance image: it reads each module's dependencies from the
// module's own .modinfo section (so no depmod is needed on the build host),
// computes the closure of a list of wanted modules, and writes the
// modules.dep file that github.com/u-root/u-root/pkg/kmodule reads at boot.
//
// # .modinfo
//
// A kernel module (.ko, an ELF relocatable object) carries a section named
// ".modinfo": a sequence of NUL-terminated "key=value" strings, for example
//
//	license=GPL\x00depends=virtio,virtio_ring\x00name=virtio_blk\x00vermagic=6.1.0-56-amd64 SMP ...\x00
//
// Runs of NUL bytes (alignment padding) may separate entries. Keys may
// repeat (alias=, parm=); this package uses only "name" (the module name,
// with underscores) and "depends" (comma-separated module names, possibly
// empty). A module whose file name uses '-' (crc32c-intel.ko) is named with
// '_' (crc32c_intel); names are compared after mapping '-' to '_'.
//
// # modules.dep
//
// One line per module, paths relative to /lib/modules/VERSION:
//
//	kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
//
// The part after the colon lists every module the first one needs,
// directly or indirectly, dependencies after their dependents (depmod's
// order: load from right to left). kmodule loads the listed modules
// recursively, so only the direct ones are strictly needed, but the full
// list keeps the file readable by modprobe too.
package kmods
