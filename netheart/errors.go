package netheart

import (
	"errors"
	"fmt"
)

// Decoding errors. Every reason to drop a packet has its own sentinel; the
// ones that mean "not a well-formed packet" also match ErrMalformed.
var (
	// ErrMalformed is the family of packets that cannot be parsed: too
	// short, lengths that disagree, invalid field values.
	ErrMalformed = errors.New("malformed packet")
	// ErrShort: the datagram is shorter than its header says (truncated).
	ErrShort = fmt.Errorf("%w: truncated", ErrMalformed)
	// ErrMagic: the datagram does not start with Magic (not ours).
	ErrMagic = errors.New("bad magic")
	// ErrVersion: the packet uses a format version this node does not speak.
	ErrVersion = errors.New("unsupported format version")
	// ErrCluster: the packet belongs to another cluster (other name).
	ErrCluster = errors.New("packet from another cluster")
	// ErrSecauth: the sender has secauth on and we have it off, or the
	// reverse. The cluster key must be configured on every node or on none.
	ErrSecauth = errors.New("secauth mismatch")
	// ErrMAC: the HMAC (or the CRC32C with secauth off) does not match:
	// forged, corrupted, or made with another key.
	ErrMAC = errors.New("bad MAC")
	// ErrType: an authenticated packet of a type this version does not know.
	ErrType = errors.New("unknown packet type")
)

// Errors of the receiving checks that follow decoding.
var (
	// ErrFromSelf: a packet sent by this very node (looped back).
	ErrFromSelf = errors.New("packet from self")
	// ErrMisaddressed: the packet names another destination node, or was
	// sent on another link than the one it arrived on.
	ErrMisaddressed = errors.New("packet for another node or link")
	// ErrUnknownSender: the sender's node id is not configured on this link.
	ErrUnknownSender = errors.New("unknown sender")
	// ErrSenderMismatch: the heartbeat's From or Incarnation differ from
	// the packet header's sender and incarnation.
	ErrSenderMismatch = errors.New("heartbeat sender differs from packet sender")
	// ErrReplay: the sequence number is not above the highest accepted
	// from that sender on that link, or the incarnation has ended.
	ErrReplay = errors.New("replayed or reordered packet")
)

// Errors of the Transport and the key file.
var (
	// ErrClosed: the transport has been closed.
	ErrClosed = errors.New("netheart: transport closed")
	// ErrConfig: New was given an unusable Config.
	ErrConfig = errors.New("netheart: bad config")
	// ErrNotSelf: Send was given a heartbeat whose From is not Config.Self.
	ErrNotSelf = errors.New("netheart: heartbeat is not from this node")
	// ErrExtTooLong: an extension longer than MaxExt.
	ErrExtTooLong = fmt.Errorf("netheart: extension longer than %d bytes", MaxExt)
	// ErrKeyShort: the key file holds fewer than MinKeyLen bytes.
	ErrKeyShort = errors.New("cluster key too short")
	// ErrKeyLong: the key file holds more than MaxKeyLen bytes.
	ErrKeyLong = errors.New("cluster key too long")
	// ErrKeyMode: the key file can be read or written by its group or by
	// other users.
	ErrKeyMode = errors.New("cluster key file is accessible to other users")
	// ErrKeyExists: GenerateKey will not overwrite an existing key.
	ErrKeyExists = errors.New("cluster key file already exists")
)
