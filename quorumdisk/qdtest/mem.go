package qdtest

import (
	"errors"
	"sync"

	"github.com/quorate/quorate/quorumdisk"
)

// ErrClosed is returned by a MemDevice after Close.
var ErrClosed = errors.New("qdtest: device closed")

// MemDevice is an in-memory BlockDevice. It checks the BlockDevice
// alignment contract on every call. Errors set in FailRead or FailWrite
// are returned by every later call of that kind.
type MemDevice struct {
	mu        sync.Mutex
	data      []byte
	sector    int
	closed    bool
	reads     int
	writes    int
	FailRead  error
	FailWrite error
}

// NewMemDevice returns a zero-filled device.
func NewMemDevice(size int64, sectorSize int) *MemDevice {
	return &MemDevice{data: make([]byte, size), sector: sectorSize}
}

// ReadAt copies from the device.
func (m *MemDevice) ReadAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(p, off); err != nil {
		return 0, err
	}
	m.reads++
	if m.FailRead != nil {
		return 0, m.FailRead
	}
	return copy(p, m.data[off:]), nil
}

// WriteAt copies to the device.
func (m *MemDevice) WriteAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(p, off); err != nil {
		return 0, err
	}
	m.writes++
	if m.FailWrite != nil {
		return 0, m.FailWrite
	}
	return copy(m.data[off:], p), nil
}

func (m *MemDevice) check(p []byte, off int64) error {
	if m.closed {
		return ErrClosed
	}
	return quorumdisk.CheckIO(p, off, int64(len(m.data)))
}

// SectorSize is the sector size given to NewMemDevice.
func (m *MemDevice) SectorSize() int { return m.sector }

// Size is the device size.
func (m *MemDevice) Size() int64 { return int64(len(m.data)) }

// Close marks the device closed.
func (m *MemDevice) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// Name is used in messages.
func (m *MemDevice) Name() string { return "memdev" }

// Calls returns how many reads and writes reached the device.
func (m *MemDevice) Calls() (reads, writes int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads, m.writes
}

// Edit runs f on the device's bytes, to corrupt or inspect them.
func (m *MemDevice) Edit(f func(data []byte)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m.data)
}
