#!/bin/bash
# make demo: three quorated nodes on this machine, on loopback UDP ports,
# sharing a file-backed quorum disk. `scripts/demo.sh stop` ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/bin
DIR=${QUORATE_DEMO_DIR:-/tmp/quorate-demo}

stop() {
  # Each pid file names the node's unshare; its child is quorated. A
  # SIGTERM to quorated is a graceful leave (services stopped first); then
  # the namespace goes, and with it anything left in it.
  for p in "$DIR"/node*.pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    for c in $(pgrep -P "$pid" 2>/dev/null); do kill -CONT "$c" 2>/dev/null; kill -TERM "$c" 2>/dev/null; done
  done
  for _ in $(seq 30); do
    pgrep -f "quorated -c $DIR/cluster.conf" >/dev/null || break
    sleep 0.1
  done
  for p in "$DIR"/node*.pid; do
    [ -f "$p" ] || continue
    kill -9 "$(cat "$p")" 2>/dev/null || true
    rm -f "$p"
  done
  pkill -9 -f "quorated -c $DIR/cluster.conf" 2>/dev/null || true
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
    <clusternode name="node1" nodeid="1" addr="127.0.0.1:5401"><fence><method name="power"><device name="demo-power"/></method></fence></clusternode>
    <clusternode name="node2" nodeid="2" addr="127.0.0.1:5402"><fence><method name="power"><device name="demo-power"/></method></fence></clusternode>
    <clusternode name="node3" nodeid="3" addr="127.0.0.1:5403"><fence><method name="power"><device name="demo-power"/></method></fence></clusternode>
  </clusternodes>
  <fencedevices>
    <fencedevice name="demo-power" agent="fence_demo" piddir="$DIR" action="off"/>
  </fencedevices>
  <rm>
    <failoverdomains>
      <failoverdomain name="prefer-node1" ordered="1" nofailback="1">
        <failoverdomainnode name="node1" priority="1"/>
        <failoverdomainnode name="node2" priority="2"/>
        <failoverdomainnode name="node3" priority="3"/>
      </failoverdomain>
    </failoverdomains>
    <service name="web" domain="prefer-node1" recovery="restart" max_restarts="2" restart_expire_time="60">
      <exec name="webserver" command="python3 -m http.server 8080 --bind 127.0.0.1 --directory $DIR/www"/>
    </service>
  </rm>
</cluster>
CONF
mkdir -p "$DIR/www" && echo "served by the quorate demo service 'web'" > "$DIR/www/index.html"
cp scripts/fence_demo "$DIR/fence_demo"
export PATH="$DIR:$PATH"
for i in 1 2 3; do
  # Each node runs in its own PID namespace, like a machine of its own:
  # killing it (its pid below) ends everything it started, services too.
  nohup unshare --pid --fork --kill-child --mount-proc \
    "$BIN/quorated" -c "$DIR/cluster.conf" -n node$i --socket "$DIR/node$i.sock" \
    --state-dir "$DIR/node$i.state" >"$DIR/node$i.log" 2>&1 &
  echo $! > "$DIR/node$i.pid"
done
for _ in $(seq 50); do
  "$BIN/clustat" --socket "$DIR/node1.sock" -Q 2>/dev/null && break
  sleep 0.1
done
for _ in $(seq 50); do
  "$BIN/clustat" --socket "$DIR/node1.sock" -s web >/dev/null 2>&1 && break
  sleep 0.1
done
"$BIN/clustat" --socket "$DIR/node1.sock"
cat <<MSG

Three nodes are running in the background (logs: $DIR/node*.log), with one
service, 'web': a small web server on 127.0.0.1:8080 run by whichever node owns it.
    curl http://127.0.0.1:8080/
Watch the cluster from node 2, refreshed every second:
    $BIN/clustat --socket $DIR/node2.sock -i 1
In another terminal, kill the service's owner (node 1) without warning: the others
notice, fence it (the demo's "power switch" scripts/fence_demo), and start 'web' on
the next node of its failover domain:
    kill -9 \$(cat $DIR/node1.pid)
Move or stop the service by hand:
    $BIN/clusvcadm --socket $DIR/node2.sock -r web -m node3
    $BIN/clusvcadm --socket $DIR/node2.sock -d web      (disable)
    $BIN/clusvcadm --socket $DIR/node2.sock -e web      (enable)
Kill a node that owns nothing, or stop one cleanly:
    kill -9 \$(cat $DIR/node3.pid)
or stop it cleanly (a graceful leave):   kill \$(cat $DIR/node3.pid)
or freeze it (SIGSTOP) and thaw it:      kill -STOP \$(cat $DIR/node3.pid); kill -CONT ...
Start a node again (PATH must hold the demo's fence agent):
    PATH=$DIR:\$PATH unshare -pf --kill-child --mount-proc $BIN/quorated -c $DIR/cluster.conf \\
        -n node3 --socket $DIR/node3.sock --state-dir $DIR/node3.state & echo \$! > $DIR/node3.pid
Look at the quorum disk the way an operator would when the cluster is down:
    $BIN/mkqdisk -d $DIR/qdisk.img
Stop the demo:  make demo-stop
MSG
