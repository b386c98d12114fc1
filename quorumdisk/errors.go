package quorumdisk

import (
	"errors"
	"fmt"
)

// Block decoding errors. Every reason to reject a block has its own
// sentinel; the ones that mean "damaged or misplaced" also match ErrCorrupt,
// so callers can branch on the family or on the reason.
var (
	// ErrEmpty: the block is all zeroes (never written since mkqdisk).
	ErrEmpty = errors.New("empty block (never written)")
	// ErrCorrupt is the family of damaged blocks (torn or misdirected
	// writes, media errors, another program's data).
	ErrCorrupt = errors.New("corrupt block")
	// ErrBadMagic: the block does not start with Magic.
	ErrBadMagic = fmt.Errorf("%w: bad magic", ErrCorrupt)
	// ErrChecksum: the CRC32C does not match the block.
	ErrChecksum = fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	// ErrKind: the block is of another kind than expected (a slot where a
	// header should be, an unknown kind).
	ErrKind = fmt.Errorf("%w: wrong block kind", ErrCorrupt)
	// ErrLength: the payload length or a count inside it is out of range,
	// or bytes that must be zero are not.
	ErrLength = fmt.Errorf("%w: bad length or padding", ErrCorrupt)
	// ErrWrongSlot: a slot block names another node than the slot it sits in.
	ErrWrongSlot = fmt.Errorf("%w: slot holds another node's block", ErrCorrupt)
	// ErrVersion: the block was written by an unknown format version.
	ErrVersion = errors.New("unsupported format version")
	// ErrStale: the block carries another disk UUID: it was left from an
	// earlier initialisation of the disk (or copied from another disk).
	ErrStale = errors.New("stale block from an earlier initialisation")
)

// Errors of the Disk and device layer.
var (
	// ErrTimeout: an I/O did not finish within the I/O timeout. It may still
	// be running in the kernel; until it returns, calls fail with ErrBusy.
	ErrTimeout = errors.New("quorum disk I/O timed out")
	// ErrBusy: an earlier I/O that timed out has not returned yet.
	ErrBusy = errors.New("quorum disk busy: an earlier I/O is still stuck in the kernel")
	// ErrClosed: the Disk was closed.
	ErrClosed = errors.New("quorum disk closed")
	// ErrUnaligned: a buffer, length or offset is not aligned to BlockSize.
	ErrUnaligned = errors.New("unaligned I/O")
	// ErrOutOfRange: an I/O would go past the end of the device.
	ErrOutOfRange = errors.New("I/O past the end of the device")
	// ErrTooSmall: the device is smaller than MinDeviceSize.
	ErrTooSmall = errors.New("device too small for a quorum disk")
	// ErrSectorSize: the device's logical sector size is not supported.
	ErrSectorSize = errors.New("unsupported sector size")
	// ErrNoDirectIO: the file system refuses O_DIRECT (tmpfs, for one).
	ErrNoDirectIO = errors.New("O_DIRECT not supported")
	// ErrInvalid: a value cannot be encoded (label too long, bad node id…).
	ErrInvalid = errors.New("invalid value")
	// ErrForeignCluster: the disk is stamped with another cluster's name.
	ErrForeignCluster = errors.New("quorum disk belongs to another cluster")
	// ErrUnstamped: the disk carries no cluster name yet.
	ErrUnstamped = errors.New("quorum disk not yet stamped with a cluster name")
	// ErrReinitialised: the disk's UUID changed under a running Disk
	// (someone ran mkqdisk -c on it).
	ErrReinitialised = fmt.Errorf("%w: quorum disk was re-initialised", ErrStale)
)

// opError is an error whose text is written for operators and which
// matches one or more sentinels (and the underlying cause) with errors.Is.
type opError struct {
	msg  string
	errs []error
}

func (e *opError) Error() string   { return e.msg }
func (e *opError) Unwrap() []error { return e.errs }

// opErr builds an operator-facing error that matches sentinel and, if
// non-nil, cause. The message is formatted from format and args alone.
func opErr(sentinel, cause error, format string, args ...any) error {
	errs := []error{sentinel}
	if cause != nil {
		errs = append(errs, cause)
	}
	return &opError{msg: fmt.Sprintf(format, args...), errs: errs}
}
