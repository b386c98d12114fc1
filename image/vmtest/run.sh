#!/bin/sh
# image/vmtest/run.sh : the appliance VM tests (what `make vm-test` runs). Root; needs
# qemu-system-x86 and out/ from image/build.sh, openipmi + ipmitool for the BMC case and tgt
# for the iSCSI case (the tests skip, saying why, otherwise).
# Bounded to about 10 minutes; on exit every process the tests started (pid files in
# /var/tmp/quorate-vmtest/pids) is ended by its pid and the lab namespace is deleted.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=/var/tmp/quorate-vmtest

cleanup() {
	for f in "$LAB"/pids/*; do
		[ -f "$f" ] || continue
		pid=$(cat "$f"); case $pid in ''|*[!0-9]*) ;; *) kill -9 "$pid" 2>/dev/null;; esac
		rm -f "$f"
	done
	ip netns del quorate-vmtest 2>/dev/null || true
}
trap cleanup EXIT INT TERM

cd "$ROOT" || exit 1
timeout -k 30 660 go test -tags vmtest -count=1 -v -timeout 10m30s ./image/vmtest/ "$@"
