#!/bin/sh
# A test service: records when it starts and stops on which node in the
# shared log $1, so the test can prove no two owners ever overlapped.
node=$(tr '\0' '\n' < /proc/$PPID/cmdline | sed -n '/^-n$/{n;p;q}')
echo "start $node $(date +%s.%N) $$" >> "$1"
trap 'echo "stop $node $(date +%s.%N) $$" >> "$1"; exit 0' TERM INT
while :; do sleep 0.2 & wait $!; done
