package fencer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/quorate/quorate/conf"
)

// SCSI operation codes of the persistent reservation commands (SPC-4).
const (
	OpPRIn  = 0x5E // PERSISTENT RESERVE IN
	OpPROut = 0x5F // PERSISTENT RESERVE OUT
)

// PRInAction is a PERSISTENT RESERVE IN service action.
type PRInAction byte

// PR IN service actions.
const (
	PRInReadKeys           PRInAction = 0
	PRInReadReservation    PRInAction = 1
	PRInReportCapabilities PRInAction = 2
	PRInReadFullStatus     PRInAction = 3
)

// PROutAction is a PERSISTENT RESERVE OUT service action.
type PROutAction byte

// PR OUT service actions.
const (
	PROutRegister        PROutAction = 0
	PROutReserve         PROutAction = 1
	PROutRelease         PROutAction = 2
	PROutClear           PROutAction = 3
	PROutPreempt         PROutAction = 4
	PROutPreemptAndAbort PROutAction = 5
	PROutRegisterIgnore  PROutAction = 6 // REGISTER AND IGNORE EXISTING KEY
	PROutRegisterAndMove PROutAction = 7
	prOutParamLen                    = 24 // basic parameter list
)

var prOutNames = [...]string{"REGISTER", "RESERVE", "RELEASE", "CLEAR", "PREEMPT",
	"PREEMPT AND ABORT", "REGISTER AND IGNORE EXISTING KEY", "REGISTER AND MOVE"}

func (a PROutAction) String() string {
	if int(a) < len(prOutNames) {
		return prOutNames[a]
	}
	return fmt.Sprintf("PR OUT service action %#x", byte(a))
}

// PRType is a persistent reservation type (SCSI codes, not the Linux
// enum pr_type numbers).
type PRType byte

// Reservation types.
const (
	PRWriteExclusive                PRType = 1
	PRExclusiveAccess               PRType = 3
	PRWriteExclusiveRegistrants     PRType = 5 // WERO: what quorate holds
	PRExclusiveAccessRegistrants    PRType = 6
	PRWriteExclusiveAllRegistrants  PRType = 7
	PRExclusiveAccessAllRegistrants PRType = 8
)

var prTypeNames = map[PRType]string{
	PRWriteExclusive: "WE", PRExclusiveAccess: "EA", PRWriteExclusiveRegistrants: "WERO",
	PRExclusiveAccessRegistrants: "EARO", PRWriteExclusiveAllRegistrants: "WEAR", PRExclusiveAccessAllRegistrants: "EAAR",
}

// String names the type as fence_scsi's documentation does ("WERO").
func (t PRType) String() string {
	if s, ok := prTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type %d", byte(t))
}

// PRKey is a reservation key. 0 means "no key" to the target and is never
// a valid node key.
type PRKey uint64

// String prints the key in hex as sg_persist does ("0x8e2e0003").
func (k PRKey) String() string { return "0x" + strconv.FormatUint(uint64(k), 16) }

// KeyFor derives a node's key as fence_scsi does with key_value=id: the
// 8 hex digits "%.4s%.4d" of the first 4 hex digits of md5(cluster name)
// and the node id in 4 decimal digits, read as a hex number. Node ids
// must be 1..9999 so the key has 8 digits and is never 0.
func KeyFor(cluster string, nodeID int) (PRKey, error) {
	k, err := conf.DefaultSCSIKey(cluster, nodeID)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadParam, err)
	}
	return PRKey(k), nil
}

// PROut is one PERSISTENT RESERVE OUT command with its basic 24-byte
// parameter list (see the package doc for the byte layout).
type PROut struct {
	Action  PROutAction
	Scope   byte // 0 = logical unit, the only scope in use
	Type    PRType
	Key     PRKey // reservation key: the caller's registered key
	SAKey   PRKey // service action key: new key (REGISTER*), victim (PREEMPT*)
	APTPL   bool  // activate persist through power loss
	AllTgPt bool  // register on all target ports
	SpecIPT bool  // specify initiator ports (unsupported by quorate, kept for decoding)
}

// CDB encodes the 10-byte command descriptor block.
func (c PROut) CDB() [10]byte {
	var b [10]byte
	b[0] = OpPROut
	b[1] = byte(c.Action) & 0x1f
	b[2] = c.Scope<<4 | byte(c.Type)&0x0f
	binary.BigEndian.PutUint32(b[5:9], prOutParamLen)
	return b
}

// Params encodes the 24-byte parameter list.
func (c PROut) Params() [prOutParamLen]byte {
	var b [prOutParamLen]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(c.Key))
	binary.BigEndian.PutUint64(b[8:16], uint64(c.SAKey))
	if c.SpecIPT {
		b[20] |= 0x08
	}
	if c.AllTgPt {
		b[20] |= 0x04
	}
	if c.APTPL {
		b[20] |= 0x01
	}
	return b
}

// ErrShortResponse: a CDB, parameter list or response is shorter than
// its format or its own length fields require.
var ErrShortResponse = errors.New("scsi: data too short")

// DecodePROut parses a PR OUT CDB and its parameter list (the inverse of
// CDB and Params; used by the test target and the fuzz tests).
func DecodePROut(cdb, params []byte) (PROut, error) {
	if len(cdb) < 10 || cdb[0] != OpPROut {
		return PROut{}, fmt.Errorf("%w: not a 10-byte PR OUT CDB", ErrShortResponse)
	}
	n := binary.BigEndian.Uint32(cdb[5:9])
	if n != prOutParamLen || len(params) < prOutParamLen {
		return PROut{}, fmt.Errorf("%w: parameter list length %d (have %d), want %d", ErrShortResponse, n, len(params), prOutParamLen)
	}
	return PROut{
		Action: PROutAction(cdb[1] & 0x1f), Scope: cdb[2] >> 4, Type: PRType(cdb[2] & 0x0f),
		Key:     PRKey(binary.BigEndian.Uint64(params[0:8])),
		SAKey:   PRKey(binary.BigEndian.Uint64(params[8:16])),
		SpecIPT: params[20]&0x08 != 0, AllTgPt: params[20]&0x04 != 0, APTPL: params[20]&0x01 != 0,
	}, nil
}

// PRInCDB encodes a 10-byte PR IN CDB asking for at most alloc bytes.
func PRInCDB(sa PRInAction, alloc uint16) [10]byte {
	var b [10]byte
	b[0] = OpPRIn
	b[1] = byte(sa) & 0x1f
	binary.BigEndian.PutUint16(b[7:9], alloc)
	return b
}

// DecodePRInCDB is the inverse of PRInCDB.
func DecodePRInCDB(cdb []byte) (PRInAction, uint16, error) {
	if len(cdb) < 10 || cdb[0] != OpPRIn {
		return 0, 0, fmt.Errorf("%w: not a 10-byte PR IN CDB", ErrShortResponse)
	}
	return PRInAction(cdb[1] & 0x1f), binary.BigEndian.Uint16(cdb[7:9]), nil
}

// Keys is the READ KEYS response: the registered keys, one per I_T nexus.
type Keys struct {
	Generation uint32
	Keys       []PRKey
}

// Has reports whether k is registered.
func (k Keys) Has(key PRKey) bool {
	for _, x := range k.Keys {
		if x == key {
			return true
		}
	}
	return false
}

// Encode returns the response bytes (what a target sends).
func (k Keys) Encode() []byte {
	b := make([]byte, 8+8*len(k.Keys))
	binary.BigEndian.PutUint32(b[0:4], k.Generation)
	binary.BigEndian.PutUint32(b[4:8], uint32(8*len(k.Keys)))
	for i, x := range k.Keys {
		binary.BigEndian.PutUint64(b[8+8*i:], uint64(x))
	}
	return b
}

// readKeysNeed is the response length the target wants to send.
func readKeysNeed(b []byte) int {
	if len(b) < 8 {
		return 8
	}
	return 8 + int(binary.BigEndian.Uint32(b[4:8]))
}

// DecodeReadKeys parses a READ KEYS response. The additional length must
// be a multiple of 8 and the whole list must be present.
func DecodeReadKeys(b []byte) (Keys, error) {
	if len(b) < 8 {
		return Keys{}, fmt.Errorf("%w: READ KEYS header is %d bytes, want 8", ErrShortResponse, len(b))
	}
	n := binary.BigEndian.Uint32(b[4:8])
	if n%8 != 0 {
		return Keys{}, fmt.Errorf("%w: READ KEYS additional length %d is not a multiple of 8", ErrShortResponse, n)
	}
	if uint64(len(b)-8) < uint64(n) {
		return Keys{}, fmt.Errorf("%w: READ KEYS lists %d bytes of keys, only %d received", ErrShortResponse, n, len(b)-8)
	}
	k := Keys{Generation: binary.BigEndian.Uint32(b[0:4])}
	for i := 0; i < int(n/8); i++ {
		k.Keys = append(k.Keys, PRKey(binary.BigEndian.Uint64(b[8+8*i:])))
	}
	return k, nil
}

// Reservation is the READ RESERVATION response.
type Reservation struct {
	Generation uint32
	Reserved   bool // false: no reservation; the fields below are zero
	Key        PRKey
	Scope      byte
	Type       PRType
}

// Encode returns the response bytes: 8 without a reservation, 24 with.
func (r Reservation) Encode() []byte {
	if !r.Reserved {
		b := make([]byte, 8)
		binary.BigEndian.PutUint32(b[0:4], r.Generation)
		return b
	}
	b := make([]byte, 24)
	binary.BigEndian.PutUint32(b[0:4], r.Generation)
	binary.BigEndian.PutUint32(b[4:8], 16)
	binary.BigEndian.PutUint64(b[8:16], uint64(r.Key))
	b[21] = r.Scope<<4 | byte(r.Type)&0x0f
	return b
}

// DecodeReadReservation parses a READ RESERVATION response: additional
// length 0 (none) or 16 (one reservation descriptor).
func DecodeReadReservation(b []byte) (Reservation, error) {
	if len(b) < 8 {
		return Reservation{}, fmt.Errorf("%w: READ RESERVATION header is %d bytes, want 8", ErrShortResponse, len(b))
	}
	r := Reservation{Generation: binary.BigEndian.Uint32(b[0:4])}
	switch n := binary.BigEndian.Uint32(b[4:8]); {
	case n == 0:
		return r, nil
	case n != 16:
		return Reservation{}, fmt.Errorf("%w: READ RESERVATION additional length %d, want 0 or 16", ErrShortResponse, n)
	case len(b) < 24:
		return Reservation{}, fmt.Errorf("%w: READ RESERVATION descriptor is %d bytes, want 16", ErrShortResponse, len(b)-8)
	}
	r.Reserved = true
	r.Key = PRKey(binary.BigEndian.Uint64(b[8:16]))
	r.Scope, r.Type = b[21]>>4, PRType(b[21]&0x0f)
	return r, nil
}
