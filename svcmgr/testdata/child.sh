#!/bin/sh
# child.sh NAME: a program for the exec agent tests. It logs "NAME start"
# to $SVCMGR_TEST_DIR/log, starts a grandchild in its process group
# (pid in NAME.grandchild), and on SIGTERM logs "NAME stop" and exits 0.
# With IGNORE_TERM=1 in NAME.env it ignores SIGTERM instead.
name=$1
dir=${SVCMGR_TEST_DIR:?}
[ -e "$dir/$name.env" ] && . "$dir/$name.env"
sleep 1000 &
echo $! >"$dir/$name.grandchild"
if [ "${IGNORE_TERM:-0}" = 1 ]; then
	trap '' TERM
else
	trap 'echo "$name stop" >>"$dir/log"; exit 0' TERM
fi
echo "$name start" >>"$dir/log"
while :; do wait; done
