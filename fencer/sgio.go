package fencer

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// Linux SG_IO (include/scsi/sg.h).
const (
	sgIO            = 0x2285
	sgDxferNone     = -1
	sgDxferToDev    = -2
	sgDxferFromDev  = -3
	sgInterfaceID   = 'S'
	sgMaxSenseBytes = 64
)

// sgIOHdr is struct sg_io_hdr; Go lays it out as C does (88 bytes on
// 64-bit Linux).
type sgIOHdr struct {
	interfaceID    int32
	dxferDirection int32
	cmdLen         uint8
	mxSbLen        uint8
	iovecCount     uint16
	dxferLen       uint32
	dxferp         unsafe.Pointer
	cmdp           unsafe.Pointer
	sbp            unsafe.Pointer
	timeout        uint32 // ms
	flags          uint32
	packID         int32
	usrPtr         unsafe.Pointer
	status         uint8
	maskedStatus   uint8
	msgStatus      uint8
	sbLenWr        uint8
	hostStatus     uint16
	driverStatus   uint16
	resid          int32
	duration       uint32
	info           uint32
}

// SGDevice is the real SGIO: the SG_IO ioctl on a /dev/sdX, /dev/sgN or
// multipath device opened read-write.
type SGDevice struct {
	f *os.File
}

// OpenSG opens path for SG_IO.
func OpenSG(path string) (*SGDevice, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s for SCSI commands: %w", path, err)
	}
	return &SGDevice{f: f}, nil
}

// Close closes the device.
func (d *SGDevice) Close() error { return d.f.Close() }

// Exec implements SGIO.
func (d *SGDevice) Exec(cdb []byte, dir Direction, data []byte, timeout time.Duration) (SGResult, error) {
	sense := make([]byte, sgMaxSenseBytes)
	h := sgIOHdr{
		interfaceID: sgInterfaceID, cmdLen: uint8(len(cdb)), mxSbLen: uint8(len(sense)),
		timeout: uint32(timeout / time.Millisecond),
		cmdp:    unsafe.Pointer(&cdb[0]), sbp: unsafe.Pointer(&sense[0]),
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(&cdb[0])
	pin.Pin(&sense[0])
	h.dxferDirection = sgDxferNone
	if dir != DirNone && len(data) > 0 {
		pin.Pin(&data[0])
		h.dxferp, h.dxferLen = unsafe.Pointer(&data[0]), uint32(len(data))
		h.dxferDirection = sgDxferFromDev
		if dir == DirOut {
			h.dxferDirection = sgDxferToDev
		}
	}
	raw, err := d.f.SyscallConn()
	if err != nil {
		return SGResult{}, err
	}
	var errno syscall.Errno
	if cerr := raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, sgIO, uintptr(unsafe.Pointer(&h)))
	}); cerr != nil {
		return SGResult{}, cerr
	}
	if errno != 0 {
		return SGResult{}, fmt.Errorf("SG_IO on %s: %w", d.f.Name(), errno)
	}
	return SGResult{Status: SCSIStatus(h.status), Sense: sense[:h.sbLenWr], HostStatus: h.hostStatus,
		DriverStatus: h.driverStatus, Resid: int(h.resid)}, nil
}
