// Command clusconf edits, checks and distributes cluster.conf, in the
// style of ccs and pcs:
//
//	clusconf [-f FILE] create NAME
//	clusconf addnode NAME --nodeid N --addr HOST:PORT --votes V
//	clusconf addfencedev ipmi-n1 agent=fence_ipmilan ipaddr=10.0.1.1 login=admin passwd=secret
//	clusconf addmethod n1 power ipmi-n1
//	clusconf addfailoverdomain dbs --ordered --restricted n1:1 n2:2
//	clusconf addresource fs name=pgdata device=/dev/vg0/pgdata mountpoint=/var/lib/pgsql
//	clusconf addservice db --domain dbs --recovery relocate fs:pgdata +systemd:unit=postgresql.service ip:address=10.1.0.100/24
//	clusconf setquorumd label=prod-qdisk interval=0.2
//	clusconf validate [FILE]; clusconf show [--xml]; clusconf diff [FILE]
//	clusconf push; clusconf sync --status
//
// It works on FILE (-f, default /etc/cluster/cluster.conf). Every editing
// command loads the file as an XML tree (so comments, attribute order and
// attributes left at their defaults are kept), makes its change, raises
// config_version by one, validates the whole result with conf.Parse, and
// only then writes it: to a temporary file that is synced and renamed
// over FILE, after the previous contents were saved the same way as
// FILE.bak. --dry-run prints the change as a unified diff and writes
// nothing. A result that does not validate is refused with conf's
// messages (their line numbers are those of the result, which --dry-run
// shows). The one exception is a cluster still being built: a file whose
// only problems are a missing <quorumd> or no nodes is written with a
// note, since no single command can add both; validate and push refuse
// it.
//
// push validates FILE locally and sends it to the running cluster through
// the local quorated (POST /v1/config on --socket PATH, $QUORATE_SOCKET
// or /run/quorate/quorated.sock), printing the cluster's verdict; sync
// --status shows which node runs which config_version.
//
// Exit status: 0 ok, 1 error (invalid file, refused push, I/O), 2 usage.
package main
