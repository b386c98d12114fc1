package qdtest

import (
	"sync"

	"github.com/quorate/quorate/quorumdisk"
)

// Gate wraps a BlockDevice; while held, every ReadAt and WriteAt blocks
// until Release, like I/O on a lost SAN path. Create it inside a synctest
// bubble to test deadlines without real waiting.
type Gate struct {
	quorumdisk.BlockDevice
	mu      sync.Mutex
	wait    chan struct{} // nil while open
	blocked int
	entered int
}

// NewGate wraps dev, open.
func NewGate(dev quorumdisk.BlockDevice) *Gate { return &Gate{BlockDevice: dev} }

// Hold makes later calls block.
func (g *Gate) Hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wait == nil {
		g.wait = make(chan struct{})
	}
}

// Release lets blocked calls go on and opens the gate.
func (g *Gate) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wait != nil {
		close(g.wait)
		g.wait = nil
	}
}

// Blocked is the number of calls waiting at the gate now.
func (g *Gate) Blocked() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.blocked
}

// Entered is the number of calls that reached the gate so far.
func (g *Gate) Entered() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.entered
}

func (g *Gate) pass() {
	g.mu.Lock()
	g.entered++
	w := g.wait
	if w != nil {
		g.blocked++
	}
	g.mu.Unlock()
	if w == nil {
		return
	}
	<-w
	g.mu.Lock()
	g.blocked--
	g.mu.Unlock()
}

// ReadAt waits at the gate, then reads.
func (g *Gate) ReadAt(p []byte, off int64) (int, error) {
	g.pass()
	return g.BlockDevice.ReadAt(p, off)
}

// WriteAt waits at the gate, then writes.
func (g *Gate) WriteAt(p []byte, off int64) (int, error) {
	g.pass()
	return g.BlockDevice.WriteAt(p, off)
}

// Name is the wrapped device's name, if it has one.
func (g *Gate) Name() string {
	if n, ok := g.BlockDevice.(interface{ Name() string }); ok {
		return n.Name()
	}
	return "gate"
}
