#!/bin/bash
# Installs what quorate's build and tests need on Debian 12: apt packages
# (only when one is missing, with one 'apt-get update' first) and the Go
# modules. Safe to run again. Usage: scripts/deps.sh [demo|test|vm]
set -euo pipefail
tier=${1:-test}
pkgs=(iproute2 util-linux iptables procps)
case $tier in
  demo) ;;
  test) pkgs+=(openipmi ipmitool fence-agents resource-agents systemd-container debootstrap e2fsprogs keepalived python3 iputils-ping) ;;
  vm)   pkgs+=(qemu-system-x86 qemu-utils qemu-block-extra tgt libiscsi-bin xz-utils gzip cpio openipmi ipmitool) ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages ${missing[*]}; run as root to install them" >&2
  else
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
command -v go >/dev/null || { echo "deps: Go is not installed (https://go.dev/doc/install)" >&2; exit 1; }
go mod download
