package netheart

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/quorate/quorate/cluster"
)

// Format constants; see the package documentation for the layout.
const (
	Magic   uint32 = 0x51524842 // "QRHB"
	Version uint8  = 1

	HeaderLen = 38 // bytes before the payload
	MACLen    = 32 // trailer: HMAC-SHA256, or CRC32C and zeros
	// HeartbeatLen is the heartbeat payload without extension bytes.
	HeartbeatLen = 31
	// MaxExt bounds the opaque extension carried by a heartbeat.
	MaxExt = 1024
	// MaxPayload bounds the payload length field.
	MaxPayload = HeartbeatLen + MaxExt
	// MinPacket and MaxPacket bound a valid datagram's size.
	MinPacket = HeaderLen + MACLen
	MaxPacket = HeaderLen + MaxPayload + MACLen
)

// Type is the packet type byte.
type Type uint8

// Packet types. Only heartbeats exist in version 1.
const TypeHeartbeat Type = 1

// Flags is the flags byte.
type Flags uint8

// FlagAuth marks a packet whose trailer is an HMAC-SHA256. Encode sets or
// clears it from the key; the other bits are reserved.
const FlagAuth Flags = 1 << 0

// Packet is one decoded datagram.
type Packet struct {
	Type        Type
	Flags       Flags
	Link        uint8
	Cluster     [8]byte
	Sender      cluster.NodeID
	To          cluster.NodeID
	Incarnation uint64
	Seq         uint64
	Heartbeat   cluster.Heartbeat
	Ext         []byte // nil when empty; Decode returns a copy
}

// ClusterID is the 8-byte cluster identity carried by every packet: the
// first 8 bytes of SHA-256 of the cluster name.
func ClusterID(name string) [8]byte {
	sum := sha256.Sum256([]byte(name))
	return [8]byte(sum[:8])
}

// Encode returns p as one datagram, sealed with an HMAC-SHA256 keyed with
// key, or a CRC32C when key is empty (secauth off). The payload is always
// laid out as a heartbeat, whatever p.Type says. It panics if p.Ext is
// longer than MaxExt, a programming error (SetExtension checks).
func Encode(p Packet, key []byte) []byte {
	return appendPacket(make([]byte, 0, HeaderLen+HeartbeatLen+len(p.Ext)+MACLen), p, key)
}

func appendPacket(b []byte, p Packet, key []byte) []byte {
	if len(p.Ext) > MaxExt {
		panic(fmt.Sprintf("netheart: extension of %d bytes, at most %d", len(p.Ext), MaxExt))
	}
	start := len(b)
	flags := p.Flags &^ FlagAuth
	if len(key) > 0 {
		flags |= FlagAuth
	}
	b = binary.BigEndian.AppendUint32(b, Magic)
	b = append(b, Version, byte(p.Type), byte(flags), p.Link)
	b = binary.BigEndian.AppendUint16(b, uint16(HeartbeatLen+len(p.Ext)))
	b = append(b, p.Cluster[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(p.Sender))
	b = binary.BigEndian.AppendUint16(b, uint16(p.To))
	b = binary.BigEndian.AppendUint64(b, p.Incarnation)
	b = binary.BigEndian.AppendUint64(b, p.Seq)
	b = appendHeartbeat(b, p.Heartbeat, p.Ext)
	return appendSeal(b, start, key)
}

func appendHeartbeat(b []byte, hb cluster.Heartbeat, ext []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(hb.From))
	b = binary.BigEndian.AppendUint64(b, hb.Incarnation)
	b = append(b, byte(hb.State))
	b = binary.BigEndian.AppendUint64(b, hb.ConfigVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(hb.Master))
	b = binary.BigEndian.AppendUint64(b, hb.MasterGen)
	b = binary.BigEndian.AppendUint16(b, uint16(len(ext)))
	return append(b, ext...)
}

// Decode parses and verifies one datagram for the cluster clusterID, with
// the cluster key (empty: secauth off). It checks in the order given in
// the package documentation and returns the first failure as one of the
// sentinel errors, wrapped with detail. b is not retained.
func Decode(b []byte, key []byte, clusterID [8]byte) (Packet, error) {
	if err := checkFrame(b); err != nil {
		return Packet{}, err
	}
	if err := checkOrigin(b, key, clusterID); err != nil {
		return Packet{}, err
	}
	n := HeaderLen + int(binary.BigEndian.Uint16(b[8:]))
	if !verifySeal(b[:n], b[n:], key) {
		return Packet{}, ErrMAC
	}
	p := decodeHeader(b)
	if p.Type != TypeHeartbeat {
		return Packet{}, fmt.Errorf("%w: %d", ErrType, p.Type)
	}
	hb, ext, err := decodeHeartbeat(b[HeaderLen:n])
	if err != nil {
		return Packet{}, err
	}
	p.Heartbeat, p.Ext = hb, ext
	return p, nil
}

// checkFrame checks the length, magic, version and payload length.
func checkFrame(b []byte) error {
	if len(b) < MinPacket {
		return fmt.Errorf("%w: %d bytes, a packet has at least %d", ErrShort, len(b), MinPacket)
	}
	if m := binary.BigEndian.Uint32(b); m != Magic {
		return fmt.Errorf("%w: %#08x", ErrMagic, m)
	}
	if b[4] != Version {
		return fmt.Errorf("%w: version %d, this node speaks %d", ErrVersion, b[4], Version)
	}
	pl := int(binary.BigEndian.Uint16(b[8:]))
	if pl > MaxPayload {
		return fmt.Errorf("%w: payload length %d above %d", ErrMalformed, pl, MaxPayload)
	}
	switch want := HeaderLen + pl + MACLen; {
	case len(b) < want:
		return fmt.Errorf("%w: %d bytes, header says %d", ErrShort, len(b), want)
	case len(b) > want:
		return fmt.Errorf("%w: %d bytes, header says %d", ErrMalformed, len(b), want)
	}
	return nil
}

// checkOrigin checks the cluster id and that both sides agree on secauth.
func checkOrigin(b []byte, key []byte, clusterID [8]byte) error {
	if got := [8]byte(b[10:18]); got != clusterID {
		return fmt.Errorf("%w: cluster id %x, ours is %x", ErrCluster, got, clusterID)
	}
	auth := Flags(b[6])&FlagAuth != 0
	switch {
	case auth && len(key) == 0:
		return fmt.Errorf("%w: sender uses a cluster key, this node has secauth off", ErrSecauth)
	case !auth && len(key) > 0:
		return fmt.Errorf("%w: sender has secauth off, this node uses a cluster key", ErrSecauth)
	}
	return nil
}

func decodeHeader(b []byte) Packet {
	return Packet{
		Type:        Type(b[5]),
		Flags:       Flags(b[6]),
		Link:        b[7],
		Cluster:     [8]byte(b[10:18]),
		Sender:      cluster.NodeID(binary.BigEndian.Uint16(b[18:])),
		To:          cluster.NodeID(binary.BigEndian.Uint16(b[20:])),
		Incarnation: binary.BigEndian.Uint64(b[22:]),
		Seq:         binary.BigEndian.Uint64(b[30:]),
	}
}

func decodeHeartbeat(pl []byte) (cluster.Heartbeat, []byte, error) {
	if len(pl) < HeartbeatLen {
		return cluster.Heartbeat{}, nil, fmt.Errorf("%w: heartbeat payload of %d bytes, need %d", ErrMalformed, len(pl), HeartbeatLen)
	}
	hb := cluster.Heartbeat{
		From:          cluster.NodeID(binary.BigEndian.Uint16(pl[0:])),
		Incarnation:   binary.BigEndian.Uint64(pl[2:]),
		State:         cluster.NodeState(pl[10]),
		ConfigVersion: binary.BigEndian.Uint64(pl[11:]),
		Master:        cluster.NodeID(binary.BigEndian.Uint16(pl[19:])),
		MasterGen:     binary.BigEndian.Uint64(pl[21:]),
	}
	if !hb.State.Valid() {
		return cluster.Heartbeat{}, nil, fmt.Errorf("%w: invalid state %d", ErrMalformed, pl[10])
	}
	e := int(binary.BigEndian.Uint16(pl[29:]))
	if len(pl) != HeartbeatLen+e {
		return cluster.Heartbeat{}, nil, fmt.Errorf("%w: extension length %d does not fill the %d-byte payload", ErrMalformed, e, len(pl))
	}
	var ext []byte
	if e > 0 {
		ext = append([]byte(nil), pl[HeartbeatLen:]...)
	}
	return hb, ext, nil
}
