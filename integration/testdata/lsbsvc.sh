#!/bin/sh
# lsbsvc.sh ACTION LOG: an LSB init script for the service tests, run
# through a one-line wrapper (exec lsbsvc.sh "$1" LOG) that a <script
# file=...> names. start runs lsbdaemon.sh in the background; status is
# LSB's: 0 running, 1 dead with its pid file left, 3 stopped. The node is
# the -n argument of the calling quorated; the pid file is LOG.NODE.pid.
act=$1 log=$2
node=$(tr '\0' '\n' </proc/$PPID/cmdline | sed -n '/^-n$/{n;p;q}')
pidf=$log.$node.pid
here=$(dirname "$(readlink -f "$0")")

# running: the recorded pid is a live lsbdaemon.sh (a zombie has no
# command line).
running() {
	pid=$(cat "$pidf" 2>/dev/null) || return 1
	[ -n "$pid" ] && grep -q lsbdaemon "/proc/$pid/cmdline" 2>/dev/null
}

case $act in
start)
	running && exit 0
	"$here/lsbdaemon.sh" "$node" "$log" </dev/null >/dev/null 2>&1 &
	echo $! >"$pidf"
	;;
stop)
	if running; then
		kill -TERM "$pid"
		i=0
		while running && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		running && kill -KILL "$pid"
	fi
	rm -f "$pidf"
	;;
status)
	running && exit 0
	[ -e "$pidf" ] && exit 1
	exit 3
	;;
*) exit 2 ;;
esac
exit 0
