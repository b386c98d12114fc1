#!/bin/sh
# image/build.sh : build the quorate appliance (what `make image` runs).
#
#   out/vmlinux        Debian's generic amd64 kernel as an ELF (qemu boots it directly, PVH)
#   out/quorate.cpio   u-root initramfs: u-root core commands, our binaries, kernel modules, uinit
#   out/quorate.cpio.gz, out/quorate.cpio.xz   the same, compressed (for PXE/iPXE; the kernel takes either)
#
# Idempotent. Downloads (the kernel package, u-root) are cached in $QUORATE_CACHE
# (default /var/cache/quorate-image); out/ is $QUORATE_OUT (default <repo>/out).
# QUORATE_SKIP_BROKEN=1 leaves out a cmd/ that does not compile instead of failing.
# Needs: go, apt-get (the kernel package), dpkg-deb, python3 or xz, gzip. Root is not needed
# once the kernel package is in the cache.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${QUORATE_CACHE:-/var/cache/quorate-image}
OUT=${QUORATE_OUT:-$ROOT/out}
UROOT_VERSION=v0.16.0
# Binaries of ours that go into the image, when they exist (cmd/NAME).
CMDS="quorated clustat clusvcadm mkqdisk fence_node clusconf"
# Kernel modules (image/mkmods adds their dependencies).
MODULES="virtio_rng virtio_pci virtio_blk virtio_net virtio_scsi scsi_mod sd_mod sg i6300esb watchdog
  failover net_failover crc32c_generic iscsi_tcp libiscsi scsi_transport_iscsi button evdev
  ipmi_msghandler ipmi_devintf ipmi_si"
# u-root commands (busybox mode: one binary, so each extra command costs little).
UROOT_CMDS="init gosh ls cat cp mv rm mkdir ln echo grep dmesg mount umount ps kill ip ping
  uname free sync shutdown poweroff lsmod insmod dd hexdump sleep true false df hostname"

say() { printf 'image: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

mkdir -p "$CACHE" "$OUT"
STAGE=$CACHE/stage
rm -rf "$STAGE"
mkdir -p "$STAGE/bin"

# --- kernel --------------------------------------------------------------------------------
kernel() {
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
	[ -n "$pkg" ] || pkg=$(ls "$CACHE"/kernel/linux-image-*-amd64_*.deb 2>/dev/null | sed -n 's#.*/\(linux-image-[^_]*\)_.*#\1#p' | tail -1)
	[ -n "$pkg" ] || die "cannot tell which linux-image-*-amd64 package to use (apt-get update?)"
	case $pkg in *-cloud-*) die "$pkg is the cloud kernel: it lacks the i6300esb watchdog and IPMI drivers";; esac
	K=$CACHE/kernel; mkdir -p "$K"
	if ! ls "$K/${pkg}"_*.deb >/dev/null 2>&1; then
		say "downloading $pkg"
		(cd "$K" && apt-get download "$pkg" >&2) || die "apt-get download $pkg failed"
	fi
	deb=$(ls "$K/${pkg}"_*.deb | tail -1)
	KROOT=$K/$(basename "$deb" .deb)
	if [ ! -d "$KROOT/lib/modules" ]; then
		rm -rf "$KROOT.tmp"; dpkg-deb -x "$deb" "$KROOT.tmp" && mv "$KROOT.tmp" "$KROOT"
	fi
	KDIR=$(ls -d "$KROOT"/lib/modules/* | head -1)
	KVER=$(basename "$KDIR")
	VMLINUX=$KROOT/vmlinux-$KVER
	[ -f "$VMLINUX" ] || extract_vmlinux "$KROOT/boot/vmlinuz-$KVER" "$VMLINUX"
	cp "$VMLINUX" "$OUT/vmlinux.tmp" && mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
	say "kernel $KVER ($pkg)"
}

# extract_vmlinux VMLINUZ VMLINUX : the ELF kernel from an xz-compressed bzImage.
extract_vmlinux() {
	if command -v python3 >/dev/null; then
		python3 - "$1" "$2.tmp" <<'PY'
import lzma, sys
data = open(sys.argv[1], 'rb').read()
i = data.find(b'\xfd7zXZ\x00')
if i < 0: sys.exit("no xz stream in " + sys.argv[1])
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[i:]))
PY
	else
		off=$(grep -abo "$(printf '\3757zXZ')" "$1" | head -1 | cut -d: -f1)
		tail -c +$((off + 1)) "$1" | xz -dc > "$2.tmp" 2>/dev/null || true
	fi
	head -c 4 "$2.tmp" | grep -q ELF || die "could not extract an ELF vmlinux from $1"
	mv "$2.tmp" "$2"
}

# --- u-root --------------------------------------------------------------------------------
uroot() {
	UROOT=$CACHE/bin/u-root
	if [ ! -x "$UROOT" ] || [ "$(cat "$CACHE/bin/u-root.version" 2>/dev/null)" != $UROOT_VERSION ]; then
		say "installing u-root $UROOT_VERSION"
		(cd "$CACHE" && GOFLAGS= GOBIN=$CACHE/bin go install github.com/u-root/u-root@$UROOT_VERSION) || die "go install u-root failed"
		echo $UROOT_VERSION > "$CACHE/bin/u-root.version"
	fi
	UROOT_SRC=$CACHE/u-root-src-$UROOT_VERSION
	if [ ! -f "$UROOT_SRC/go.mod" ]; then
		dir=$(cd "$CACHE" && GOFLAGS= go mod download -json github.com/u-root/u-root@$UROOT_VERSION | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
		[ -d "$dir" ] || die "go mod download github.com/u-root/u-root@$UROOT_VERSION failed"
		rm -rf "$UROOT_SRC.tmp"; cp -r "$dir" "$UROOT_SRC.tmp"; chmod -R u+w "$UROOT_SRC.tmp"; mv "$UROOT_SRC.tmp" "$UROOT_SRC"
	fi
}

# --- our programs and the modules ----------------------------------------------------------
# Our commands and uinit go into one multi-call binary, /bin/quorate, with a symlink per
# command (image/mkbb): one Go runtime for all, built in module mode. (u-root's own busybox
# builder works in GOPATH mode, which would reset GODEBUG defaults to Go 1.20's: old
# net/http routing patterns and timer channels.) u-root builds only its own core commands.
programs() {
	cd "$ROOT"
	PROGS=""
	for c in $CMDS; do
		if ! ls cmd/"$c"/*.go >/dev/null 2>&1; then
			say "warning: cmd/$c does not exist yet; the image will not have it"
		elif CGO_ENABLED=0 go build -o /dev/null "./cmd/$c"; then
			PROGS="$PROGS $c"
		elif [ "${QUORATE_SKIP_BROKEN:-0}" = 1 ]; then
			say "warning: go build ./cmd/$c failed; left out (QUORATE_SKIP_BROKEN=1)"
		else
			die "go build ./cmd/$c failed (QUORATE_SKIP_BROKEN=1 leaves it out)"
		fi
	done
	case " $PROGS " in *" quorated "*) ;; *) say "warning: no quorated: the appliance will boot, find its disk and wait";; esac
	dirs=""; for c in $PROGS; do dirs="$dirs cmd/$c"; done
	# shellcheck disable=SC2086
	go run ./image/mkbb -root "$ROOT" -out "$STAGE/bbsrc" $dirs image/uinit || die "generating the multi-call binary failed"
	(cd "$STAGE/bbsrc" && GOWORK=$STAGE/bbsrc/go.work GOFLAGS= CGO_ENABLED=0 \
		go build -trimpath -ldflags='-s -w' -o "$STAGE/bin/quorate" .) || die "building the multi-call binary failed"
	for c in $PROGS uinit; do ln -sf quorate "$STAGE/bin/$c"; done
	say "our programs:$PROGS uinit in /bin/quorate ($(du -h "$STAGE/bin/quorate" | cut -f1))"
	# shellcheck disable=SC2086
	go run ./image/mkmods -kdir "$KDIR" -out "$STAGE/mods" $MODULES > "$STAGE/modules.txt" || die "selecting kernel modules failed"
	say "kernel modules: $(wc -w < "$STAGE/modules.txt") ($(du -sh "$STAGE/mods" | cut -f1))"
}

# --- the initramfs -------------------------------------------------------------------------
initramfs() {
	set -- -files "$STAGE/mods/lib/modules:lib/modules"
	for b in "$STAGE"/bin/*; do set -- "$@" -files "$b:bin/$(basename "$b")"; done
	for c in $UROOT_CMDS; do set -- "$@" "./cmds/core/$c"; done
	(cd "$UROOT_SRC" && GOWORK=off GOFLAGS= CGO_ENABLED=0 "$UROOT" -o "$OUT/quorate.cpio.tmp" -skip-ldd \
		-go-build-tags goshsmall -uinitcmd= -defaultsh=gosh "$@") >"$STAGE/u-root.log" 2>&1 ||
		{ cat "$STAGE/u-root.log" >&2; die "u-root failed"; }
	mv "$OUT/quorate.cpio.tmp" "$OUT/quorate.cpio"
	gzip -9 -n -c "$OUT/quorate.cpio" > "$OUT/quorate.cpio.gz"
	if command -v xz >/dev/null; then xz -9 --check=crc32 -c "$OUT/quorate.cpio" > "$OUT/quorate.cpio.xz"; fi
}

report() {
	size() { [ -f "$1" ] && stat -c '%s %n' "$1" | awk '{n=split($2,p,"/"); printf "  %-18s %10d bytes  %5.1f MiB\n", p[n], $1, $1/1048576}' >&2; }
	say "built in $OUT:"
	for f in vmlinux quorate.cpio quorate.cpio.gz quorate.cpio.xz; do size "$OUT/$f" || true; done
	gz=$(stat -c %s "$OUT/quorate.cpio.gz")
	if [ "$gz" -gt $((10 * 1048576)) ]; then say "warning: compressed image above the 10 MiB target"; fi
	{
		echo "kernel $KVER"
		echo "u-root $UROOT_VERSION"
		echo "modules $(cat "$STAGE/modules.txt")"
		echo "boot: qemu-system-x86_64 -bios /usr/share/qemu/qboot.rom -kernel vmlinux -initrd quorate.cpio -append 'console=ttyS0 quorate.label=LABEL'"
	} > "$OUT/MANIFEST"
}

kernel
uroot
programs
initramfs
report
