#!/bin/sh
# lsbdaemon.sh NODE LOG: the daemon lsbsvc.sh starts. Like svc.sh it
# records when it starts and stops on which node in the shared LOG, so the
# test can prove no two owners ever overlapped.
echo "start $1 $(date +%s.%N) $$" >>"$2"
trap 'echo "stop $1 $(date +%s.%N) $$" >>"$2"; exit 0' TERM INT
while :; do sleep 0.2 & wait $!; done
