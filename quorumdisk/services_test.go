package quorumdisk

import (
	"errors"
	"reflect"
	"testing"

	"github.com/quorate/quorate/cluster"
)

func TestSlotServicesRoundTrip(t *testing.T) {
	var uuid UUID
	uuid[0] = 7
	s := &cluster.Slot{Node: 2, Incarnation: 9, Seq: 3, State: cluster.StateMember, SeenGen: 5, SeenOwner: 1, SeenOwnerInc: 44,
		Services: []cluster.ServiceReport{{Key: cluster.ServiceKey("web"), Gen: 4, State: cluster.SvcStarted}},
		Master: &cluster.MasterRecord{Generation: 5, Quorate: true, Members: cluster.SetOf(2, 3), MemberIncs: []uint32{9, 77},
			Evictions: []cluster.Eviction{{Node: 3, Incarnation: 1, Reason: cluster.EvictDead, Fenced: true}},
			Services: []cluster.ServiceEntry{
				{Key: cluster.ServiceKey("web"), Gen: 4, Owner: 2, OwnerInc: 9, LastOwner: 3, State: cluster.SvcStarted, Restarts: 1},
				{Key: cluster.ServiceKey("db"), Gen: 1, Target: 1, State: cluster.SvcStopping, Frozen: true, Held: true},
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
