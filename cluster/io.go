package cluster

import (
	"errors"
	"time"
)

// Event is an input to Node.Step: something that happened in the world.
type Event interface{ isEvent() }

// HeartbeatIn reports an authenticated heartbeat received from a peer.
type HeartbeatIn struct{ HB Heartbeat }

// WriteDone reports the completion of a WriteSlot action. Err is non-nil
// when the write failed or missed its deadline.
type WriteDone struct {
	Op  uint64
	Err error
}

// ReadDone reports the completion of a ReadSlots action. Err is set when
// the whole read failed; otherwise Slots holds one entry per slot read.
type ReadDone struct {
	Op    uint64
	Slots []SlotRead
	Err   error
}

// SlotRead is one decoded slot of a read. Err is set (and Slot nil) when
// the block is empty, corrupt, stale or foreign; such slots are ignored and
// counted, never believed.
type SlotRead struct {
	Node NodeID
	Slot *Slot
	Err  error
}

// ErrSlotEmpty marks a SlotRead of a block that was never written (all
// zeroes). Adapters must return an error that errors.Is this for such
// blocks: an empty slot holds no ballot, while an unreadable one (torn,
// corrupt) might, so a ballot that meets an unreadable slot aborts.
var ErrSlotEmpty = errors.New("slot never written")

// LeaveRequest asks the node to leave the cluster gracefully (SIGTERM).
// The caller must have stopped the node's services first.
type LeaveRequest struct{}

// FenceDone reports the end of a FenceNode action.
type FenceDone struct {
	Node        NodeID
	Incarnation uint64
	OK          bool
	Method      string // what did it: the method name, "watchdog", …
	Err         string
}

// FenceRequest is an operator asking the master to fence a node by hand
// (fence_node). Only the master acts on it.
type FenceRequest struct{ Node NodeID }

// ServiceDone reports what became of a StartService or StopService, or a
// failure the daemon noticed on its own (State SvcFailed).
type ServiceDone struct {
	Key    uint64
	Gen    uint64
	State  ServiceState // SvcStarted, SvcStopped or SvcFailed
	Reason string
}

func (ServiceDone) isEvent()  {}
func (FenceDone) isEvent()    {}
func (FenceRequest) isEvent() {}
func (HeartbeatIn) isEvent()  {}
func (WriteDone) isEvent()    {}
func (ReadDone) isEvent()     {}
func (LeaveRequest) isEvent() {}

// Action is an output of Node.Ready: something the daemon must do.
type Action interface{ isAction() }

// SendHeartbeat asks the transport to send HB to every peer.
type SendHeartbeat struct{ HB Heartbeat }

// WriteSlot asks for the node's own slot to be written (one aligned block,
// O_DIRECT, under the I/O deadline). Completion is reported as WriteDone.
type WriteSlot struct {
	Op   uint64
	Slot Slot
}

// ReadSlots asks for the slots First..Last to be read in one sequential
// read. Completion is reported as ReadDone.
type ReadSlots struct {
	Op          uint64
	First, Last NodeID
}

// Notice is a decision or observation worth logging for operators.
type Notice struct {
	Level  NoticeLevel
	Msg    string
	Node   NodeID // the node concerned, 0 if none
	Reason string
}

// NoticeLevel maps onto slog levels in the daemon.
type NoticeLevel int

// Notice levels.
const (
	LevelDebug NoticeLevel = iota
	LevelInfo
	LevelWarn
	LevelError
)

// FenceNode asks the daemon to fence one incarnation of a node through its
// configured methods and to report FenceDone. Only a valid master emits it,
// right after a read of every slot; the daemon checks the lease once more
// before it starts.
type FenceNode struct {
	Node        NodeID
	Incarnation uint64
	Reason      EvictReason
	Attempt     int
	Generation  uint64
}

// StartService asks the daemon to start the service's resource tree (to
// restart it when Restart is set) and report ServiceDone with Gen.
type StartService struct {
	Key     uint64
	Name    string
	Gen     uint64
	Restart bool
}

// StopService asks the daemon to stop the service's resource tree and
// report ServiceDone with Gen.
type StopService struct {
	Key  uint64
	Name string
	Gen  uint64
}

func (StartService) isAction()  {}
func (StopService) isAction()   {}
func (FenceNode) isAction()     {}
func (SendHeartbeat) isAction() {}
func (WriteSlot) isAction()     {}
func (ReadSlots) isAction()     {}
func (Notice) isAction()        {}

// never is a time far in the past, used for "not yet seen".
const never = time.Duration(-1 << 62)
