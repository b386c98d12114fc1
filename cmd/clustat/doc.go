// Clustat shows the cluster's status the way rgmanager's clustat did:
// members (with the quorum disk as a member row), quorum, services and
// recent fencing, as a text table, rgmanager's XML (-x) or JSON (--json).
// It reaches quorated only through the api package's Client on the local
// control socket (--socket, $QUORATE_SOCKET, or /run/quorate/quorated.sock).
//
// Exit codes: 0 on success; 1 when the daemon is unreachable or reports an
// error, for an unknown -m member or -s service, with -Q when inquorate and
// with -m when the member is not online; with -s the rgmanager numeric
// state (110 stopped … 120 migrating) when the service is not starting,
// started or stopping; 2 for usage errors.
//
// Differences from rgmanager's clustat: the table is always 80 columns
// wide and lines carry no trailing blanks; the lease holder is flagged
// ", Master" (rgmanager: ", RG-Master"); a "Fencing" table follows the
// services when there is fence history; -l adds a "Reason" line when the
// daemon gives one; the XML <cluster id> is 0 (quorate has no cman cluster
// number); -f is accepted and ignored; options cannot be bundled (-xl).
package main
