// Package quorumdisk owns the shared quorum partition: its on-disk layout,
// the block encodings (every block checksummed with CRC32C and stamped with
// the disk's UUID), O_DIRECT aligned I/O with deadlines, initialisation
// (mkqdisk -c) and discovery of quorum disks by label (mkqdisk -L).
//
// What the blocks mean to the cluster — slot liveness, the arbiter lease,
// eviction notices — is decided by package cluster; this package only
// stores and checks them.
//
// # Devices and I/O
//
// A BlockDevice is a block device, loop device or regular file opened with
// O_DIRECT (and O_DSYNC for writing), so every write reaches the shared
// storage and every read sees what other nodes wrote, never a page cache.
// Every I/O is a whole number of BlockSize (4096) blocks at a
// BlockSize-aligned offset from a BlockSize-aligned buffer; 4096 is a
// multiple of both 512-byte and 4 KiB logical sectors, so one block is
// written atomically by 4 KiB-sector devices and torn writes on 512-byte
// devices are caught by the checksum. Devices with sectors above 4096
// bytes are refused.
//
// A Disk runs each device call in its own goroutine and gives up on it
// after the I/O timeout (ErrTimeout). While an abandoned call is still
// stuck in the kernel, the Disk starts no other call: every operation fails
// at once with ErrBusy, so goroutines never pile up behind a dead SAN path.
// When the stuck call returns, the next operation reaps it and the Disk
// works again. Device calls are serialised, one at a time.
//
// # Cost
//
// Each node writes its own slot once per interval: one 4 KiB write. The
// master reads all slots 1..N with one sequential read of N×8 KiB (both
// copies; 2 MiB for 256 nodes) per interval; other nodes read O(1) slots
// per interval in the common case. With N nodes and interval T the disk
// sees N/T writes of 4 KiB plus about 1/T reads of N×8 KiB per second: for
// 256 nodes at T = 200 ms, 1280 writes/s (5 MiB/s) and 10 MiB/s of reads.
//
// # Layout
//
// All integers are little-endian. Offsets are bytes from the start of the
// device; the device must be at least MinDeviceSize (6 MiB) long and space
// beyond that is unused.
//
//	offset           size      content
//	0                4 KiB     header block (KindHeader)
//	4 KiB            60 KiB    reserved, zero
//	64 KiB           960 KiB   config area (ConfigAreaOffset/ConfigAreaSize): copies A and B of cluster.conf, see below
//	1 MiB            2 MiB     256 status slots (KindSlot) of two blocks each, node n at 1 MiB + (n-1)×8192
//	3 MiB            3 MiB     256 per-node areas of 12 KiB (NodeAreaOffset), node n at 3 MiB + (n-1)×12288
//
// mkqdisk -c zeroes everything from 0 to 6 MiB, then writes the header; an
// all-zero block decodes as ErrEmpty ("never written").
//
// # Slot copies
//
// A 4 KiB write is not atomic on a device with 512-byte sectors: a node
// that dies in mid-write leaves a block that fails its checksum. A slot
// that nobody can read would stop every later ballot of the arbiter lease
// (a damaged block might hide a promise), so each slot is a pair of
// blocks. A node's writes alternate between copy 0 and copy 1, and each
// carries a 32-bit write count one above the previous, even in copy 0 and
// odd in copy 1 (a Disk learns where the count stands by reading the pair
// before its first write, so the count survives restarts). A reader
// decodes both copies and takes the good one with the newer count
// (compared as serial numbers, so it may wrap). Reading the older copy
// while the newer one is torn is the same as reading just before the torn
// write, which the writer never completed and so never acted on. With no
// good copy the slot is unreadable — except that one empty and one damaged
// copy (the node's very first write was torn) reads as never written.
// Damaged copies are counted (Stats.Corrupt), and so are slots saved by
// their other copy (Stats.LostCopies).
//
// # Common block header
//
// Every block is BlockSize bytes and starts with:
//
//	offset  size  field
//	0       4     magic 0x54415251 ("QRAT" on disk)
//	4       2     format version, 2 (version 1 had one copy per slot)
//	6       1     kind: 1 header, 2 slot, 3 config, 4 node area
//	7       1     flags, 0
//	8       4     payload length n, at most 4064
//	12      4     CRC32C (Castagnoli) of the whole 4096-byte block with this field taken as zero
//	16      16    disk UUID, drawn at random by mkqdisk -c
//	32      n     payload
//	32+n    …     zero up to 4096
//
// A block is rejected, in this order, when it is all zero (ErrEmpty), has
// another magic (ErrBadMagic), another version (ErrVersion), a wrong CRC
// (ErrChecksum), an unexpected kind (ErrKind), non-zero flags, a payload
// length over 4064 or non-zero bytes after the payload (ErrLength), or
// another disk UUID (ErrStale: left from an earlier initialisation). The
// reasons that mean "damaged" all match ErrCorrupt. Decoders also reject
// non-zero reserved bytes and out-of-range counts, so a block that decodes
// re-encodes to the same bytes.
//
// # Header payload (kind 1, 556 bytes)
//
//	offset  size  field
//	0       2     format version, 2 (same as the block's)
//	2       2     reserved, 0
//	4       4     block size, 4096
//	8       4     logical sector size of the device at mkqdisk time (BLKSSZGET; 512 for files)
//	12      4     slot count, 256
//	16      16    disk UUID (same as the block's)
//	32      8     created: Unix time in nanoseconds, 0 = unknown
//	40      1     label length, 0..127
//	41      1     cluster name length, 0..120; 0 = not yet stamped (the first node to join stamps it)
//	42      1     created-by host name length, 0..255
//	43      1     reserved, 0
//	44      128   label, zero padded
//	172     128   cluster name, zero padded
//	300     256   created-by host name, zero padded
//
// # Slot payload (kind 2, 164 bytes, or 212 + 12×E with a master record)
//
// Slot n holds cluster.Slot of node n, written only by node n.
//
//	offset  size  field
//	0       2     node id, 1..256, must equal the slot's position (else ErrWrongSlot)
//	2       1     state (cluster.NodeState, 0..6)
//	3       1     flags: bit 0 = master record follows; bit 1 = services section follows; other bits 0
//	4       4     write count (see Slot copies); its lowest bit is the copy the block belongs in
//	8       8     incarnation
//	16      8     seq
//	24      8     config version
//	32      32    net view: cluster.NodeSet, four u64 words, bit (id-1)
//	64      8     ballot lver
//	72      8     ballot mbal
//	80      8     ballot bal
//	88      8     ballot owner incarnation
//	96      2     ballot owner (node id, 0 = none)
//	98      1     note length, 0..64
//	99      1     reserved, 0
//	100     64    note, zero padded
//	164           master record, only when flags bit 0 is set:
//	164     8       generation
//	172     32      members (cluster.NodeSet)
//	204     2       votes
//	206     2       expected votes
//	208     1       quorate, 0 or 1
//	209     1       reserved, 0
//	210     2       number of evictions E, 0..256
//	212     12×E    evictions, each:
//	                  +0  2  node id, 1..256
//	                  +2  1  reason (cluster.EvictReason)
//	                  +3  1  flags: bit 0 set = the victim was fenced; other bits 0
//	                  +4  8  incarnation
//
//	…             services section, only when flags bit 1 is set (after the master record, if any):
//	+0      8       generation of the service table the writer last obeyed
//	+8      2       that table's writer (node id, 0 = none)
//	+10     8       its incarnation
//	+18     2       number of service reports R
//	+20     …       the writer's R reports, each: +0 8 service key, +8 8 generation, +16 1 state
//	                (cluster.ServiceState), +17 1 reason length L (0..240, non-zero only for a failed
//	                service), +18 2 reserved, 0, +20 L the failure reason (what the agent said)
//	…       2       number of service table entries S (0 unless a master record is present)
//	…       …       S entries, each: +0 8 key, +8 8 generation, +16 2 owner, +18 2 last owner, +20 2 target
//	                (node ids, 0 = none), +22 1 state, +23 1 flags (bit 0 frozen, bit 1 held), +24 2
//	                restarts, +26 1 reason length L (0..240, non-zero only for a failed service), +27 1
//	                reserved, 0, +28 4 owner's incarnation (low 32 bits), +32 L why it failed
//	…       2       number of member incarnations M (0 unless a master record is present), 0..256
//	…       4×M     members' incarnations (low 32 bits), in member order
//
// Without services the largest slot payload is 212 + 12×256 = 3284 bytes,
// well inside one block (checked at compile time); a slot whose services
// section would not fit is refused by EncodeSlot (ErrInvalid). An empty
// eviction list and a nil one are the same on disk and decode as nil.
//
// # Config area
//
// The master stores the accepted cluster.conf here (Disk.WriteConfig),
// so a node that starts with no or an old local file adopts the cluster's
// (Disk.ReadConfig), and the configuration survives a restart of the
// whole cluster. The area holds two copies of 480 KiB (120 blocks): A at
// 64 KiB, B at 544 KiB. A write goes to the copy that does not hold the
// newest valid configuration: its key and data blocks first, its header
// block last, then everything is read back and compared. A crash, a torn
// block or an I/O error therefore damages at most the copy being written,
// and readers fall back to the other one, the previous configuration.
// Readers take the valid copy with the higher config_version, and of two
// equal versions the one with the higher write counter. Versions never go
// backwards: WriteConfig refuses a version below the newest valid one, and
// an equal version unless it is the identical configuration.
//
// Every block of a copy is an ordinary KindConfig block (common header
// above). Block 0 of a copy is its header, payload 104 bytes:
//
//	offset  size  field
//	0       1     role, 1 = copy header
//	1       1     copy, 0 = A, 1 = B (must match where it sits)
//	2       1     flags: bit 0 = a cluster key is stored; other bits 0
//	3       1     reserved, 0
//	4       2     writer node id, 1..256; 0 = mkqdisk
//	6       2     reserved, 0
//	8       8     write counter (one more than the highest of both copies at write time)
//	16      8     config_version, >= 1
//	24      8     written: Unix time in nanoseconds, 0 = unknown
//	32      4     cluster.conf length L, 1..MaxConfigSize (473616)
//	36      4     key length K, 1..4096 with flags bit 0, else 0
//	40      32    SHA-256 of the cluster.conf bytes
//	72      32    SHA-256 of the key, zero without a key
//
// Then ceil(K/4048) key blocks and ceil(L/4048) data blocks, each with a
// payload of 16 bytes plus one chunk of 4048 bytes (the last chunk of the
// key and of the data may be shorter, never empty):
//
//	offset  size  field
//	0       1     role, 2 = key, 3 = data
//	1       1     copy, as in the header
//	2       2     reserved, 0
//	4       4     index of the chunk, from 0 for the key and for the data
//	8       8     write counter, must equal the header's
//	16      n     chunk
//
// A copy is valid only when all of its blocks decode, carry the header's
// copy and write counter in order (else ErrConfigMismatch: an interrupted
// write) and the SHA-256 sums match. Blocks after the last chunk are not
// read. Two key blocks are always left free, so the largest cluster.conf
// is (120-1-2)×4048 = 473616 bytes whether or not a key is stored.
//
// # The cluster key on the quorum disk
//
// The key is stored in clear. It cannot usefully be "encrypted with
// itself": whoever must decrypt it needs the key already, and an appliance
// node that boots with no local secret must read the key from the disk
// with nothing else to go on. A passphrase on the kernel command line
// would be readable by every local user in /proc/cmdline, which is weaker
// than a root-only file, so it is not offered either. Storing the key is
// optional (mkqdisk --keyfile; the daemon decides), and the threat model
// is this:
//
//   - Anyone who can read the quorum LUN can read the key and forge
//     heartbeats. Anyone who can write the LUN can already do worse
//     without the key: fake slots, take the arbiter lease, evict nodes.
//     So storing the key does not widen who controls membership; it
//     widens who can read the key from "root on a node" to "root on a
//     node, or anyone zoned to the LUN". Protect the LUN like
//     /etc/cluster/authkey: zone and mask it to the cluster nodes only,
//     and keep the block device root-only (mode 0600 or 0660 root:disk)
//     on every node.
//   - The key only authenticates heartbeats (netheart: HMAC-SHA256); no
//     traffic is encrypted with it, so reading it discloses no data.
//   - Copies of the LUN (snapshots, backups, a disk sent for repair)
//     carry the key. Where that matters, do not store it: distribute
//     /etc/cluster/authkey by hand and leave --keyfile out.
//   - The SHA-256 sums protect against damage, not against an attacker
//     who can write the LUN.
package quorumdisk
