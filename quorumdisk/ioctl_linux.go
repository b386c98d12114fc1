package quorumdisk

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// Block device ioctls from <linux/fs.h>.
const (
	ioctlBLKSSZGET    = 0x1268     // logical sector size, int
	ioctlBLKGETSIZE64 = 0x80081272 // size in bytes, u64
)

// blockGeometry asks the kernel for a block device's size and logical
// sector size.
func blockGeometry(f *os.File) (size int64, sector int, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var size64 uint64
	var ssz int32
	var ioErr error
	err = rc.Control(func(fd uintptr) {
		if ioErr = ioctl(fd, ioctlBLKGETSIZE64, unsafe.Pointer(&size64)); ioErr != nil {
			ioErr = fmt.Errorf("ioctl BLKGETSIZE64: %w", ioErr)
			return
		}
		if ioErr = ioctl(fd, ioctlBLKSSZGET, unsafe.Pointer(&ssz)); ioErr != nil {
			ioErr = fmt.Errorf("ioctl BLKSSZGET: %w", ioErr)
		}
	})
	if err == nil {
		err = ioErr
	}
	return int64(size64), int(ssz), err
}

func ioctl(fd, req uintptr, arg unsafe.Pointer) error {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}
