#!/bin/sh
# lsb.sh ACTION: a tiny LSB init script for the tree tests. Its name is
# the name it is called by (tests symlink it), its state lives in
# $SVCMGR_TEST_DIR: NAME.running while started. Every action is appended
# to $SVCMGR_TEST_DIR/log as "NAME ACTION". An action fails (exit 1)
# while NAME.fail-ACTION exists; status exits with the number in
# NAME.status-code when that file exists. While NAME.hang-ACTION exists
# the action hangs in a child (pid in NAME.hang-pid).
name=$(basename "$0")
dir=${SVCMGR_TEST_DIR:?}
echo "$name $1" >>"$dir/log"
if [ -e "$dir/$name.hang-$1" ]; then
	sleep 30 &
	echo $! >"$dir/$name.hang-pid"
	wait
fi
if [ -e "$dir/$name.fail-$1" ]; then
	echo "$name: $1 fails on purpose" >&2
	exit 1
fi
case $1 in
start) touch "$dir/$name.running" ;;
stop) rm -f "$dir/$name.running" ;;
status)
	[ -e "$dir/$name.status-code" ] && exit "$(cat "$dir/$name.status-code")"
	[ -e "$dir/$name.running" ] && exit 0
	exit 3
	;;
*) exit 2 ;;
esac
