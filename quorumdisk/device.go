package quorumdisk

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"

	"github.com/ncw/directio"
)

// BlockDevice is raw, unbuffered block storage: the quorum partition.
//
// Contract:
//   - p must start at a memory address aligned to BlockSize (allocate it with
//     AlignedBuffer), and len(p) and off must be multiples of BlockSize.
//     Implementations return ErrUnaligned otherwise and ErrOutOfRange for
//     I/O past Size.
//   - A call either transfers all of p (n == len(p), err == nil) or fails
//     (err != nil); a short transfer is an error.
//   - The device uses p only during the call and keeps no reference after
//     it returns. A call may block for a long time (SAN path loss); the
//     Disk bounds that with its own deadline and, while such a call is
//     still running, neither touches p nor starts another call.
//   - Any error other than ErrUnaligned and ErrOutOfRange is an I/O error
//     of the medium or the path to it.
//   - SectorSize and Size are fixed for the life of the device.
//   - Close may be called while a stuck call is running; it must not wait
//     for it.
type BlockDevice interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	SectorSize() int
	Size() int64
	Close() error
}

// named is implemented by devices that know their path, for messages.
type named interface{ Name() string }

func deviceName(dev BlockDevice) string {
	if n, ok := dev.(named); ok {
		return n.Name()
	}
	return "(unnamed device)"
}

// AlignedBuffer returns n zero bytes starting at a BlockSize-aligned
// address, as O_DIRECT needs.
func AlignedBuffer(n int) []byte {
	return directio.AlignedBlock(n)
}

// CheckIO checks the BlockDevice alignment contract for an I/O of p at off
// on a device of the given size.
func CheckIO(p []byte, off, size int64) error {
	switch {
	case len(p) == 0 || len(p)%BlockSize != 0 || off%BlockSize != 0 || off < 0:
		return fmt.Errorf("%w: %d bytes at offset %d (both must be multiples of %d)", ErrUnaligned, len(p), off, BlockSize)
	case uintptr(unsafe.Pointer(&p[0]))%BlockSize != 0:
		return fmt.Errorf("%w: buffer address not aligned to %d bytes", ErrUnaligned, BlockSize)
	case off+int64(len(p)) > size:
		return fmt.Errorf("%w: %d bytes at offset %d, device size %d", ErrOutOfRange, len(p), off, size)
	}
	return nil
}

// osDevice is a BlockDevice on a block device or regular file opened with
// O_DIRECT.
type osDevice struct {
	f      *os.File
	size   int64
	sector int
}

// OpenDevice opens a block device or regular file with O_DIRECT (and
// O_DSYNC when writable, so a completed write is on stable storage). The
// size comes from BLKGETSIZE64 for block devices and from stat for files;
// the sector size from BLKSSZGET, 512 for files.
func OpenDevice(path string, readOnly bool) (BlockDevice, error) {
	flag := os.O_RDWR | syscall.O_DSYNC
	if readOnly {
		flag = os.O_RDONLY
	}
	f, err := directio.OpenFile(path, flag, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	dev, err := newOSDevice(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return dev, nil
}

func openError(path string, err error) error {
	if errors.Is(err, syscall.EINVAL) {
		return opErr(ErrNoDirectIO, err, "open %s: the file system does not support O_DIRECT; "+
			"put the quorum disk on a block device or a disk-backed file system (not tmpfs)", path)
	}
	return fmt.Errorf("open quorum device: %w", err)
}

func newOSDevice(f *os.File) (*osDevice, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	d := &osDevice{f: f, size: st.Size(), sector: 512}
	switch {
	case st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0:
		if d.size, d.sector, err = blockGeometry(f); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %s is neither a block device nor a regular file", ErrInvalid, f.Name())
	}
	if d.sector < 512 || d.sector > MaxSectorSize || !validSectorSize(uint32(d.sector)) {
		return nil, opErr(ErrSectorSize, nil, "%s: logical sector size %d is not supported (need 512..%d)",
			f.Name(), d.sector, MaxSectorSize)
	}
	return d, nil
}

func (d *osDevice) ReadAt(p []byte, off int64) (int, error) {
	if err := CheckIO(p, off, d.size); err != nil {
		return 0, err
	}
	return d.f.ReadAt(p, off)
}

func (d *osDevice) WriteAt(p []byte, off int64) (int, error) {
	if err := CheckIO(p, off, d.size); err != nil {
		return 0, err
	}
	return d.f.WriteAt(p, off)
}

func (d *osDevice) SectorSize() int { return d.sector }
func (d *osDevice) Size() int64     { return d.size }
func (d *osDevice) Close() error    { return d.f.Close() }
func (d *osDevice) Name() string    { return d.f.Name() }

func errShort(n, want int) error {
	return fmt.Errorf("short transfer, %d of %d bytes: %w", n, want, io.ErrUnexpectedEOF)
}
