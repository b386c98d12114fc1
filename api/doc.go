// Package api owns quorated's local control API: HTTP/1.1 with JSON bodies
// over a Unix stream socket, the server the daemon runs on it, and the Client
// that clustat and clusvcadm use to reach it. It knows nothing of the cluster
// state machine: the daemon plugs in a Backend.
//
// # Socket
//
// The socket lives at DefaultSocket (/run/quorate/quorated.sock) unless the
// --socket flag or $QUORATE_SOCKET names another path (SocketPath). NewServer
// creates the parent directory (0755) and then:
//
//   - takes an exclusive flock(2) on "<socket>.lock", so two daemons cannot
//     race for the same socket; a held lock means another daemon is running
//     (ErrSocketInUse);
//   - refuses when something still answers on an existing socket file
//     (ErrSocketInUse) or when the path exists and is not a socket; a socket
//     file nobody answers on is stale and removed;
//   - binds the socket inside a fresh 0700 directory next to it, sets its
//     owner and mode there and renames it into place, so no client can ever
//     connect through looser permissions than the final ones (the detour
//     costs 16 bytes of the 107-byte limit on socket paths).
//
// Access control is file permissions. When the group "haclient" exists the
// socket is owned by the daemon's user (root) and group haclient with mode
// 0660, so members of haclient may run clustat and clusvcadm without root.
// When the group does not exist (or the chown fails) the socket stays 0600,
// root only, and NewServer logs that once at Info.
//
// # Protocol
//
// Requests and responses are HTTP/1.1; the host part of URLs is ignored
// (the client uses "http://quorated"). Every JSON response ends with a
// newline.
//
//	GET /v1/status     200, body: Status (see status.go for the field names)
//	GET /              200, a self-contained read-only HTML status page that
//	                   reloads itself every 2 s (no scripts, no external assets)
//
// Errors carry an HTTP status and a JSON body
//
//	{"error": "human readable message", "code": "not_found"}
//
// where code is one of the Code constants; Client turns such a body into an
// *Error whose message is the daemon's, and errors.Is(err, ErrNotFound) and
// friends match on the code. An unknown path answers 404 not_found, a known
// path with the wrong method 405 method_not_allowed with an Allow header.
//
// NewHTTPHandler serves only the read-only routes above, so the daemon may
// also expose it on a TCP address (quorated --http 127.0.0.1:8084);
// control endpoints, when added, are served on the Unix socket only.
package api
