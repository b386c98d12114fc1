// Package netheart owns quorate's network heartbeats: the UDP wire format,
// its authentication (HMAC-SHA256 with the cluster key), replay protection
// by sequence numbers, redundant links (one or two), the per-peer arrival
// history and the per-link liveness the daemon reports.
//
// It knows nothing about membership: it delivers each accepted
// cluster.Heartbeat on the Received channel and the daemon steps the brain
// with it. Time comes from Config.Now; the only goroutines are one reader
// per link.
//
// # Wire format, version 1
//
// One UDP datagram per heartbeat, per peer, per link. All integers are
// big-endian (network byte order).
//
//	offset size field
//	     0    4 magic, 0x51 0x52 0x48 0x42 ("QRHB")
//	     4    1 format version, 1
//	     5    1 packet type: 1 = heartbeat. Other values are reserved for
//	            later packet types; a version-1 receiver drops them
//	            (ErrType) after checking the MAC.
//	     6    1 flags: bit 0 (FlagAuth) set = the trailer is an
//	            HMAC-SHA256, clear = a CRC32C (secauth off). Bits 1..7 are
//	            reserved: sent as 0, ignored on receipt (they are covered by
//	            the MAC).
//	     7    1 link index the packet was sent on (0 or 1); a receiver drops
//	            a packet that arrives on another link (ErrMisaddressed), so
//	            a packet captured on one network cannot make another link
//	            look alive, and crossed cabling shows up in the counters.
//	     8    2 payload length P (bytes 38 .. 38+P)
//	    10    8 cluster id: the first 8 bytes of SHA-256(cluster name)
//	    18    2 sender node id
//	    20    2 destination node id; the receiver drops a packet addressed
//	            to another node (ErrMisaddressed): a peer address in
//	            cluster.conf that reaches the wrong host is reported, and a
//	            packet sent to one peer cannot be replayed to another.
//	    22    8 sender incarnation (random per daemon start)
//	    30    8 sequence number
//	    38    P payload, for type 1 (heartbeat), P = 31 + E:
//	            +0  2 From           (must equal the sender node id)
//	            +2  8 Incarnation    (must equal the sender incarnation)
//	            +10 1 State          (a valid cluster.NodeState)
//	            +11 8 ConfigVersion
//	            +19 2 Master         (0: nobody)
//	            +21 8 MasterGen
//	            +29 2 E, extension length, at most MaxExt (1024)
//	            +31 E extension bytes, opaque to this package
//	  38+P   32 trailer, over bytes 0 .. 38+P:
//	            secauth on:  HMAC-SHA256 keyed with the cluster key
//	            secauth off: CRC32C (Castagnoli) in the first 4 bytes, then
//	                         28 zero bytes
//
// A heartbeat without extension is 101 bytes (129 on the wire with the
// IPv4 and UDP headers); the largest packet is MaxPacket (1125) bytes, below
// the 1280-byte IPv6 minimum MTU, so heartbeats are never fragmented.
//
// The encoding is canonical: Decode accepts exactly the bytes Encode
// produces for the packet it returns, so FuzzDecode re-encodes every
// accepted input and compares bytes.
//
// Decode checks, in this order, and returns the first failure: length
// (ErrShort, ErrMalformed), magic (ErrMagic), version (ErrVersion), cluster
// id (ErrCluster), authentication mode (ErrSecauth: one side has a key, the
// other has secauth off; never silently downgraded), MAC or CRC (ErrMAC),
// type (ErrType), payload (ErrMalformed). Only the magic, version, payload
// length, cluster id and the FlagAuth bit are looked at before the MAC has
// been verified. The Transport then drops
// packets from itself (ErrFromSelf), addressed to another node or link
// (ErrMisaddressed), from node ids not configured on that link
// (ErrUnknownSender), whose payload From or Incarnation disagree with the
// header (ErrSenderMismatch) and replays (ErrReplay). Each reason has its
// own counter in Stats, per link.
//
// With secauth off the CRC32C still catches corruption, but anybody who can
// reach the port can forge heartbeats; New logs a warning.
//
// # Sequence numbers and replay
//
// A sender starts its sequence at its wall-clock time in Unix nanoseconds
// when New runs and adds one per packet (one counter for all peers and
// links). A sender makes far fewer than 10^9 packets per second, so after a
// restart its numbers are above every number its previous run used, as
// long as its clock did not step back across the restart.
//
// The receiver keeps, per sender, the current incarnation and the highest
// sequence accepted on each link (kept per link so that a slower link is
// not mistaken for a replay of the faster one), plus the last few
// incarnations it saw end. A packet is accepted when:
//
//   - it is the first from that sender since this receiver started;
//   - its incarnation is the current one and its sequence is above the
//     highest accepted on that link (duplicates, replays and reordered
//     packets are dropped; heartbeats are idempotent, the next one will
//     do);
//   - its incarnation is new (never seen before) and its sequence is above
//     every sequence of the current incarnation: a normal restart. The old
//     incarnation is retired and never accepted again.
//
// Clock-jump caveat. If the sender's clock stepped back across a restart,
// its new incarnation numbers its packets below the old ones. Such a packet
// (new incarnation, lower sequence) is dropped as a replay while the old
// incarnation is still being heard, and accepted once the old incarnation
// has been silent for Config.ReplayWindow (default 30 s, which should be
// longer than the time the cluster takes to evict a silent node). The
// restarted node is then heard ReplayWindow after its predecessor fell
// silent; a warning names the node. A negative ReplayWindow turns this off:
// such a node stays unheard until its numbers catch up.
//
// What a replay can and cannot do. An attacker who recorded the traffic of
// an incarnation of node N and replays it after N died:
//
//   - replays of N's last incarnation, or of any incarnation this receiver
//     saw end (it remembers the last 8), are always dropped;
//   - replays of an older incarnation this receiver never saw (recorded
//     before this receiver started, or more than 8 restarts ago) are
//     accepted after ReplayWindow, and a receiver that just restarted
//     accepts the first packet of anything it is shown. Sequence numbers
//     alone cannot prevent this; changing the cluster key can.
//
// We accept that residue because the network is not the only witness:
// a node counts as alive only while its slot on the quorum disk advances,
// and the slot carries the incarnation. A replayed heartbeat can turn
// "dead" into "disk lost" (both are evicted and fenced) but cannot keep a
// dead node in the membership. The brain should believe a heartbeat's
// incarnation only when it matches the incarnation in the node's slot.
//
// # Cluster key
//
// LoadKey reads the raw key bytes (16 to 4096; GenerateKey writes 32
// random bytes, mode 0600, and never overwrites). LoadKey refuses a key
// file that its group or other users can read or write (ErrKeyMode), like
// ssh refuses such a private key: anyone who can read the key can forge
// heartbeats and make a dead node look alive, and a warning in a log is
// too easy to miss. The error says how to fix it (chmod 600).
//
// # Cost
//
// All-to-all heartbeats cost each node (N-1)·L packets sent and as many
// received per interval, N the number of nodes and L the number of links;
// the cluster carries N·(N-1)·L packets per interval. At the default
// 100 ms interval with one link that is 20 packets/s per node for 3 nodes,
// 150 for 16, 630 for 64 and 2,550 for 256 (652,800/s cluster-wide,
// about 84 MB/s of 129-byte frames). Above a threshold (32 peers is a good
// one) the daemon should heartbeat a bounded set instead: Targets returns
// the k ring neighbours on each side plus the master, at most max peers,
// so each node sends at most max·L packets per interval whatever N is,
// and the quorum disk carries liveness for the rest. Ring neighbourhood is
// symmetric, so every node still hears from its own 2k neighbours, and
// the master hears from everyone.
package netheart
