#!/bin/bash
# make demo: three quorated nodes on this machine, on loopback UDP ports,
# sharing a file-backed quorum disk. `scripts/demo.sh stop` ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/bin
DIR=${QUORATE_DEMO_DIR:-/tmp/quorate-demo}

stop() {
  for p in "$DIR"/node*.pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$p"
  done
}

case ${1:-start} in
stop) stop; echo "demo stopped (files kept in $DIR)"; exit 0 ;;
start) ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

stop
mkdir -p "$DIR"
rm -f "$DIR"/qdisk.img "$DIR"/*.sock "$DIR"/*.log
truncate -s 16M "$DIR/qdisk.img"
"$BIN/mkqdisk" -c "$DIR/qdisk.img" -l demo >/dev/null
[ -f "$DIR/authkey" ] || { head -c 32 /dev/urandom > "$DIR/authkey"; chmod 600 "$DIR/authkey"; }
cat > "$DIR/cluster.conf" <<CONF
<?xml version="1.0"?>
<cluster name="demo" config_version="1">
  <totem keyfile="$DIR/authkey"/>
  <quorumd device="$DIR/qdisk.img" label="demo"/>
  <clusternodes>
    <clusternode name="node1" nodeid="1" addr="127.0.0.1:5401"/>
    <clusternode name="node2" nodeid="2" addr="127.0.0.1:5402"/>
    <clusternode name="node3" nodeid="3" addr="127.0.0.1:5403"/>
  </clusternodes>
</cluster>
CONF
for i in 1 2 3; do
  nohup "$BIN/quorated" -c "$DIR/cluster.conf" -n node$i --socket "$DIR/node$i.sock" \
    >"$DIR/node$i.log" 2>&1 &
  echo $! > "$DIR/node$i.pid"
done
for _ in $(seq 50); do
  "$BIN/clustat" --socket "$DIR/node1.sock" -Q 2>/dev/null && break
  sleep 0.1
done
sleep 0.3
"$BIN/clustat" --socket "$DIR/node1.sock"
cat <<MSG

Three nodes are running in the background (logs: $DIR/node*.log).
Watch the cluster from node 1, refreshed every second:
    $BIN/clustat --socket $DIR/node1.sock -i 1
In another terminal, kill node 3 without warning and watch the others notice:
    kill -9 \$(cat $DIR/node3.pid)
or stop it cleanly (a graceful leave):   kill \$(cat $DIR/node3.pid)
or freeze it (SIGSTOP) and thaw it:      kill -STOP \$(cat $DIR/node3.pid); kill -CONT ...
Start it again:
    $BIN/quorated -c $DIR/cluster.conf -n node3 --socket $DIR/node3.sock &
Look at the quorum disk the way an operator would when the cluster is down:
    $BIN/mkqdisk -d $DIR/qdisk.img
Stop the demo:  make demo-stop
MSG
