package fencer

import (
	"errors"
	"fmt"
)

// SCSIStatus is the status byte of a completed SCSI command.
type SCSIStatus byte

// SCSI status codes (SAM).
const (
	StatusGood                SCSIStatus = 0x00
	StatusCheckCondition      SCSIStatus = 0x02
	StatusConditionMet        SCSIStatus = 0x04
	StatusBusy                SCSIStatus = 0x08
	StatusReservationConflict SCSIStatus = 0x18
	StatusTaskSetFull         SCSIStatus = 0x28
	StatusACAActive           SCSIStatus = 0x30
	StatusTaskAborted         SCSIStatus = 0x40
)

func (s SCSIStatus) String() string {
	switch s {
	case StatusGood:
		return "GOOD"
	case StatusCheckCondition:
		return "CHECK CONDITION"
	case StatusConditionMet:
		return "CONDITION MET"
	case StatusBusy:
		return "BUSY"
	case StatusReservationConflict:
		return "RESERVATION CONFLICT"
	case StatusTaskSetFull:
		return "TASK SET FULL"
	case StatusACAActive:
		return "ACA ACTIVE"
	case StatusTaskAborted:
		return "TASK ABORTED"
	}
	return fmt.Sprintf("status %#02x", byte(s))
}

// SenseKey is the 4-bit sense key.
type SenseKey byte

// Sense keys (SPC-4 table 51).
const (
	SenseNoSense        SenseKey = 0x0
	SenseRecoveredError SenseKey = 0x1
	SenseNotReady       SenseKey = 0x2
	SenseMediumError    SenseKey = 0x3
	SenseHardwareError  SenseKey = 0x4
	SenseIllegalRequest SenseKey = 0x5
	SenseUnitAttention  SenseKey = 0x6
	SenseDataProtect    SenseKey = 0x7
	SenseBlankCheck     SenseKey = 0x8
	SenseVendorSpecific SenseKey = 0x9
	SenseCopyAborted    SenseKey = 0xA
	SenseAbortedCommand SenseKey = 0xB
	SenseVolumeOverflow SenseKey = 0xD
	SenseMiscompare     SenseKey = 0xE
	SenseCompleted      SenseKey = 0xF
)

var senseKeyNames = map[SenseKey]string{
	0x0: "NO SENSE", 0x1: "RECOVERED ERROR", 0x2: "NOT READY", 0x3: "MEDIUM ERROR",
	0x4: "HARDWARE ERROR", 0x5: "ILLEGAL REQUEST", 0x6: "UNIT ATTENTION", 0x7: "DATA PROTECT",
	0x8: "BLANK CHECK", 0x9: "VENDOR SPECIFIC", 0xA: "COPY ABORTED", 0xB: "ABORTED COMMAND",
	0xD: "VOLUME OVERFLOW", 0xE: "MISCOMPARE", 0xF: "COMPLETED",
}

func (k SenseKey) String() string {
	if n, ok := senseKeyNames[k]; ok {
		return n
	}
	return fmt.Sprintf("sense key %#x", byte(k))
}

// Additional sense codes (ASC<<8 | ASCQ) that PR fencing meets.
var ascNames = map[uint16]string{
	0x2000: "INVALID COMMAND OPERATION CODE",
	0x2400: "INVALID FIELD IN CDB",
	0x2600: "INVALID FIELD IN PARAMETER LIST",
	0x2900: "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED",
	0x2A03: "RESERVATIONS PREEMPTED",
	0x2A04: "RESERVATIONS RELEASED",
	0x2A05: "REGISTRATIONS PREEMPTED",
	0x3F0E: "REPORTED LUNS DATA HAS CHANGED",
}

// Sense is decoded sense data, fixed (response code 0x70/0x71) or
// descriptor (0x72/0x73) format.
type Sense struct {
	ResponseCode byte // 0x70 current, 0x71 deferred (fixed); 0x72, 0x73 (descriptor)
	Key          SenseKey
	ASC, ASCQ    byte
}

// Deferred reports a deferred error (response code 0x71 or 0x73).
func (s Sense) Deferred() bool { return s.ResponseCode&0x01 != 0 }

// Descriptor reports descriptor format.
func (s Sense) Descriptor() bool { return s.ResponseCode >= 0x72 }

func (s Sense) String() string {
	code := fmt.Sprintf("ASC/ASCQ %#02x/%#02x", s.ASC, s.ASCQ)
	if n, ok := ascNames[uint16(s.ASC)<<8|uint16(s.ASCQ)]; ok {
		code = n + fmt.Sprintf(" (%#02x/%#02x)", s.ASC, s.ASCQ)
	}
	return s.Key.String() + ": " + code
}

// ErrBadSense: sense data that is neither fixed nor descriptor format.
var ErrBadSense = errors.New("scsi: unrecognised sense data")

// DecodeSense parses sense data. Fixed format needs at least the 14 bytes
// up to the ASCQ (fewer when the additional length says the target sent
// fewer, in which case ASC/ASCQ read as 0); descriptor format needs the
// 4-byte header.
func DecodeSense(b []byte) (Sense, error) {
	if len(b) < 1 {
		return Sense{}, fmt.Errorf("%w: empty", ErrBadSense)
	}
	s := Sense{ResponseCode: b[0] & 0x7f}
	switch s.ResponseCode {
	case 0x70, 0x71:
		if len(b) < 3 {
			return Sense{}, fmt.Errorf("%w: fixed format sense of %d bytes", ErrBadSense, len(b))
		}
		s.Key = SenseKey(b[2] & 0x0f)
		if len(b) >= 8 && int(b[7]) >= 6 && len(b) >= 14 {
			s.ASC, s.ASCQ = b[12], b[13]
		}
	case 0x72, 0x73:
		if len(b) < 4 {
			return Sense{}, fmt.Errorf("%w: descriptor format sense of %d bytes", ErrBadSense, len(b))
		}
		s.Key, s.ASC, s.ASCQ = SenseKey(b[1]&0x0f), b[2], b[3]
	default:
		return Sense{}, fmt.Errorf("%w: response code %#02x", ErrBadSense, s.ResponseCode)
	}
	return s, nil
}

// Encode returns sense data in the format of ResponseCode: 18 bytes fixed
// (additional length 10) or 8 bytes descriptor (no descriptors).
func (s Sense) Encode() []byte {
	if s.Descriptor() {
		return []byte{s.ResponseCode, byte(s.Key) & 0x0f, s.ASC, s.ASCQ, 0, 0, 0, 0}
	}
	b := make([]byte, 18)
	b[0] = s.ResponseCode
	b[2] = byte(s.Key) & 0x0f
	b[7] = 10
	b[12], b[13] = s.ASC, s.ASCQ
	return b
}

// Sentinels matched by *SCSIError.
var (
	ErrSCSI                = errors.New("scsi command failed")
	ErrReservationConflict = errors.New("scsi: reservation conflict")
	ErrIllegalRequest      = errors.New("scsi: illegal request")
	ErrUnitAttention       = errors.New("scsi: unit attention")
	ErrTransport           = errors.New("scsi: transport error")
)

// SCSIError is a command that completed with a status other than GOOD.
// errors.Is matches ErrSCSI always, ErrReservationConflict for status
// 0x18, ErrIllegalRequest and ErrUnitAttention by sense key.
type SCSIError struct {
	Command string // e.g. "PR OUT PREEMPT AND ABORT"
	Status  SCSIStatus
	Sense   *Sense // nil when none was returned or it could not be decoded
}

func (e *SCSIError) Error() string {
	s := fmt.Sprintf("%s: %s", e.Command, e.Status)
	if e.Sense != nil {
		s += ", " + e.Sense.String()
	}
	return s
}

// Is implements errors.Is for the sentinels above.
func (e *SCSIError) Is(target error) bool {
	switch target {
	case ErrSCSI:
		return true
	case ErrReservationConflict:
		return e.Status == StatusReservationConflict
	case ErrIllegalRequest:
		return e.Sense != nil && e.Sense.Key == SenseIllegalRequest
	case ErrUnitAttention:
		return e.Sense != nil && e.Sense.Key == SenseUnitAttention
	}
	return false
}
