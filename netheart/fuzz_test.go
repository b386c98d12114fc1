package netheart

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/quorate/quorate/cluster"
)

// FuzzDecode: arbitrary bytes never panic, and every accepted datagram
// re-encodes to exactly the same bytes (the encoding is canonical).
func FuzzDecode(f *testing.F) {
	withExt := testFrame
	withExt.Ext = []byte{1, 2, 3}
	for _, key := range [][]byte{testKey, nil} {
		f.Add(Encode(testFrame, key), key != nil)
		f.Add(Encode(withExt, key), key != nil)
	}
	f.Add([]byte("QRHB"), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, b []byte, keyed bool) {
		var key []byte
		if keyed {
			key = testKey
		}
		p, err := Decode(b, key, testID)
		if err != nil {
			return
		}
		if again := Encode(p, key); !bytes.Equal(again, b) {
			t.Fatalf("re-encoded\n% x\nfrom\n% x", again, b)
		}
	})
}

// FuzzEncodeDecode: every encodable heartbeat packet decodes to itself.
func FuzzEncodeDecode(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint16(1), uint16(2), uint64(3), uint64(4), uint8(2), uint64(5), uint16(0), uint64(6), []byte(nil), true)
	f.Add(uint8(0xfe), uint8(1), uint16(256), uint16(9), uint64(1<<63), uint64(1<<62), uint8(6), uint64(0), uint16(7), uint64(1), []byte("x"), false)
	f.Fuzz(func(t *testing.T, flags, link uint8, from, to uint16, inc, seq uint64, state uint8,
		cfgVer uint64, master uint16, gen uint64, ext []byte, keyed bool) {
		if len(ext) > MaxExt || !cluster.NodeState(state).Valid() {
			return
		}
		var key []byte
		if keyed {
			key = testKey
		}
		p := Packet{Type: TypeHeartbeat, Flags: Flags(flags), Link: link, Cluster: testID,
			Sender: cluster.NodeID(from), To: cluster.NodeID(to), Incarnation: inc, Seq: seq,
			Heartbeat: cluster.Heartbeat{From: cluster.NodeID(from), Incarnation: inc, State: cluster.NodeState(state),
				ConfigVersion: cfgVer, Master: cluster.NodeID(master), MasterGen: gen}}
		if len(ext) > 0 {
			p.Ext = ext
		}
		got, err := Decode(Encode(p, key), key, testID)
		if err != nil {
			t.Fatal(err)
		}
		p.Flags &^= FlagAuth
		if keyed {
			p.Flags |= FlagAuth
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("got %+v\nwant %+v", got, p)
		}
	})
}
