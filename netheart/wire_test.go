package netheart

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/quorate/quorate/cluster"
)

var (
	testKey   = []byte("0123456789abcdef0123456789abcdef")
	otherKey  = []byte("fedcba9876543210fedcba9876543210")
	testID    = ClusterID("alpha")
	testHB    = cluster.Heartbeat{From: 1, Incarnation: 0xfeed, State: cluster.StateMember, ConfigVersion: 7, Master: 2, MasterGen: 9}
	testFrame = Packet{Type: TypeHeartbeat, Link: 1, Cluster: testID, Sender: 1, To: 2, Incarnation: 0xfeed, Seq: 42, Heartbeat: testHB}
)

func TestEncodeLayout(t *testing.T) {
	b := Encode(testFrame, testKey)
	if len(b) != 101 {
		t.Fatalf("len %d, want 101", len(b))
	}
	if string(b[:4]) != "QRHB" || b[4] != 1 || b[5] != 1 || b[6] != byte(FlagAuth) || b[7] != 1 {
		t.Fatalf("header % x", b[:8])
	}
	checks := []struct {
		off  int
		got  uint64
		want uint64
	}{
		{8, uint64(binary.BigEndian.Uint16(b[8:])), HeartbeatLen},
		{18, uint64(binary.BigEndian.Uint16(b[18:])), 1},
		{20, uint64(binary.BigEndian.Uint16(b[20:])), 2},
		{22, binary.BigEndian.Uint64(b[22:]), 0xfeed},
		{30, binary.BigEndian.Uint64(b[30:]), 42},
		{38, uint64(binary.BigEndian.Uint16(b[38:])), 1},
		{48, uint64(b[48]), uint64(cluster.StateMember)},
		{57, uint64(binary.BigEndian.Uint16(b[57:])), 2},
		{67, uint64(binary.BigEndian.Uint16(b[67:])), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("offset %d: %d, want %d", c.off, c.got, c.want)
		}
	}
	if !bytes.Equal(b[10:18], testID[:]) {
		t.Errorf("cluster id % x", b[10:18])
	}
}

func TestRoundTrip(t *testing.T) {
	withExt := testFrame
	withExt.Ext = []byte("later issues")
	withExt.Flags = 0x80
	for _, key := range [][]byte{testKey, nil} {
		for _, p := range []Packet{testFrame, withExt} {
			got, err := Decode(Encode(p, key), key, testID)
			if err != nil {
				t.Fatalf("key %v: %v", key != nil, err)
			}
			want := p
			want.Flags &^= FlagAuth
			if key != nil {
				want.Flags |= FlagAuth
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("key %v: got %+v, want %+v", key != nil, got, want)
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := Encode(testFrame, testKey)
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	reseal := func(p Packet, key []byte) []byte { return Encode(p, key) }
	badState := testFrame
	badState.Heartbeat.State = 99
	unknownType := testFrame
	unknownType.Type = 7
	foreign := testFrame
	foreign.Cluster = ClusterID("beta")
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"truncated", good[:60], ErrShort},
		{"missing MAC byte", good[:len(good)-1], ErrShort},
		{"trailing byte", append(bytes.Clone(good), 0), ErrMalformed},
		{"magic", mut(func(b []byte) []byte { b[0] = 'X'; return b }), ErrMagic},
		{"version", mut(func(b []byte) []byte { b[4] = 2; return b }), ErrVersion},
		{"huge payload length", mut(func(b []byte) []byte { b[8] = 0xff; return b }), ErrMalformed},
		{"foreign cluster, other key", reseal(foreign, otherKey), ErrCluster},
		{"secauth off sender", reseal(testFrame, nil), ErrSecauth},
		{"forged", reseal(testFrame, otherKey), ErrMAC},
		{"bit flip", mut(func(b []byte) []byte { b[50] ^= 1; return b }), ErrMAC},
		{"unknown type", reseal(unknownType, testKey), ErrType},
		{"bad state", reseal(badState, testKey), ErrMalformed},
	}
	for _, c := range cases {
		_, err := Decode(c.b, testKey, testID)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestDecodeWithoutKey(t *testing.T) {
	b := Encode(testFrame, nil)
	if _, err := Decode(b, nil, testID); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(Encode(testFrame, testKey), nil, testID); !errors.Is(err, ErrSecauth) {
		t.Errorf("keyed packet to keyless node: %v, want ErrSecauth", err)
	}
	b[45] ^= 0x10
	if _, err := Decode(b, nil, testID); !errors.Is(err, ErrMAC) {
		t.Errorf("corrupt CRC packet: %v, want ErrMAC", err)
	}
	b = Encode(testFrame, nil)
	b[len(b)-1] = 1 // padding after the CRC must be zero
	if _, err := Decode(b, nil, testID); !errors.Is(err, ErrMAC) {
		t.Errorf("non-zero CRC padding: %v, want ErrMAC", err)
	}
}

func TestDecodeBadExtLength(t *testing.T) {
	p := testFrame
	p.Ext = []byte{1, 2, 3}
	b := Encode(p, nil)
	binary.BigEndian.PutUint16(b[HeaderLen+29:], 2) // ext length disagrees with payload length
	b = appendSeal(b[:len(b)-MACLen], 0, nil)
	if _, err := Decode(b, nil, testID); !errors.Is(err, ErrMalformed) {
		t.Errorf("got %v, want ErrMalformed", err)
	}
}

func TestClusterID(t *testing.T) {
	// First 8 bytes of SHA-256("alpha").
	want := [8]byte{0x8e, 0xd3, 0xf6, 0xad, 0x68, 0x5b, 0x95, 0x9e}
	if got := ClusterID("alpha"); got != want {
		t.Errorf("ClusterID(alpha) = % x, want % x", got, want)
	}
	if ClusterID("alpha") == ClusterID("beta") {
		t.Error("different names, same id")
	}
}

func TestEncodePanicsOnLongExt(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	p := testFrame
	p.Ext = make([]byte, MaxExt+1)
	Encode(p, nil)
}
