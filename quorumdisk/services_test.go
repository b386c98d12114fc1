package quorumdisk

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/quorate/quorate/cluster"
)

func TestSlotServicesRoundTrip(t *testing.T) {
	var uuid UUID
	uuid[0] = 7
	s := &cluster.Slot{Node: 2, Incarnation: 9, Seq: 3, State: cluster.StateMember, SeenGen: 5, SeenOwner: 1, SeenOwnerInc: 44,
		Services: []cluster.ServiceReport{{Key: cluster.ServiceKey("web"), Gen: 4, State: cluster.SvcStarted},
			{Key: cluster.ServiceKey("batch"), Gen: 2, State: cluster.SvcFailed, Reason: "exec:batch: parameter command is missing"}},
		Master: &cluster.MasterRecord{Generation: 5, Quorate: true, Members: cluster.SetOf(2, 3), MemberIncs: []uint32{9, 77},
			Evictions: []cluster.Eviction{{Node: 3, Incarnation: 1, Reason: cluster.EvictDead, Fenced: true}},
			Services: []cluster.ServiceEntry{
				{Key: cluster.ServiceKey("web"), Gen: 4, Owner: 2, OwnerInc: 9, LastOwner: 3, State: cluster.SvcStarted, Restarts: 1},
				{Key: cluster.ServiceKey("db"), Gen: 1, Target: 1, State: cluster.SvcStopping, Frozen: true, Held: true},
				{Key: cluster.ServiceKey("batch"), Gen: 2, LastOwner: 2, State: cluster.SvcFailed, Reason: "failed on node 2: exec:batch: parameter command is missing"},
			}}}
	s.State = cluster.StateMaster
	buf := make([]byte, BlockSize)
	if err := EncodeSlot(buf, uuid, s); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSlot(buf, uuid, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, s)
	}
	// A table too large for one block is refused, not truncated.
	for i := 0; i < 200; i++ {
		s.Master.Services = append(s.Master.Services, cluster.ServiceEntry{Key: uint64(i)})
	}
	if err := EncodeSlot(buf, uuid, s); !errors.Is(err, ErrInvalid) {
		t.Fatalf("oversized slot: %v", err)
	}
}

func TestSlotFailureReasons(t *testing.T) {
	var uuid UUID
	buf := make([]byte, BlockSize)
	long := string(make([]byte, cluster.ReasonLen+1))
	for name, s := range map[string]*cluster.Slot{
		"reason on a running report": {Node: 1, Services: []cluster.ServiceReport{{Key: 1, State: cluster.SvcStarted, Reason: "x"}}},
		"report reason too long":     {Node: 1, Services: []cluster.ServiceReport{{Key: 1, State: cluster.SvcFailed, Reason: long}}},
		"entry reason too long": {Node: 1, State: cluster.StateMaster, Master: &cluster.MasterRecord{
			Services: []cluster.ServiceEntry{{Key: 1, State: cluster.SvcFailed, Reason: long}}}},
	} {
		if err := EncodeSlot(buf, uuid, s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	// A table entry that no longer failed keeps no reason on disk.
	s := &cluster.Slot{Node: 1, State: cluster.StateMaster, Master: &cluster.MasterRecord{
		Services: []cluster.ServiceEntry{{Key: 1, State: cluster.SvcStarting, Owner: 1, Reason: "old failure"}}}}
	if err := EncodeSlot(buf, uuid, s); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSlot(buf, uuid, 1)
	if err != nil || got.Master.Services[0].Reason != "" {
		t.Fatalf("entry read back %+v, %v; want no reason", got.Master.Services, err)
	}
	// A reason byte on a report that did not fail is corrupt.
	s = &cluster.Slot{Node: 1, Services: []cluster.ServiceReport{{Key: 1, State: cluster.SvcFailed, Reason: "r"}}}
	if err := EncodeSlot(buf, uuid, s); err != nil {
		t.Fatal(err)
	}
	at := BlockHeaderLen + slotFixedLen + 20 + 16 // first report's state byte
	buf[at] = byte(cluster.SvcStarted)
	binary.LittleEndian.PutUint32(buf[12:], Checksum(buf))
	if _, err := DecodeSlot(buf, uuid, 1); !errors.Is(err, ErrCorrupt) {
		t.Errorf("reason on a started report: %v, want ErrCorrupt", err)
	}
}
