package fencer

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bougou/go-ipmi/pkg/bmc"
	"github.com/bougou/go-ipmi/pkg/clock"
	"github.com/bougou/go-ipmi/pkg/hal"
	"github.com/bougou/go-ipmi/pkg/hal/mock"
	"github.com/bougou/go-ipmi/pkg/server"
	"github.com/bougou/go-ipmi/pkg/transport/udp"
)

// labChassis is a simulated server's power: after "off" it keeps
// reporting on for lag status reads, like a BMC that acknowledges the
// command before the power is gone.
type labChassis struct {
	*mock.Chassis
	mu       sync.Mutex
	on       bool
	lag      int // status reads that still say "on" after an off
	pending  int
	commands []bool // SetPower history
	reads    int
}

func (c *labChassis) PowerState(context.Context) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	if c.pending > 0 {
		c.pending--
		return true, nil
	}
	return c.on, nil
}

func (c *labChassis) SetPower(_ context.Context, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commands = append(c.commands, on)
	if c.on && !on {
		c.pending = c.lag
	}
	c.on = on
	return nil
}

func (c *labChassis) state() (on bool, commands []bool, reads int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.on, append([]bool(nil), c.commands...), c.reads
}

type labHAL struct {
	*mock.HAL
	ch *labChassis
}

func (h labHAL) Chassis() hal.ChassisHAL { return h.ch }

// startBMC runs go-ipmi's reference BMC on 127.0.0.1 with user
// admin/password; the machine starts powered on.
func startBMC(t *testing.T, password string, lag int) (port int, ch *labChassis) {
	t.Helper()
	m := mock.New()
	ch = &labChassis{Chassis: m.Chassis().(*mock.Chassis), on: true, lag: lag}
	b := bmc.New(bmc.DeviceInfo{IPMIVersion: 0x20}, [16]byte{}, labHAL{HAL: m, ch: ch}, bmc.WithClock(clock.Real))
	u, err := b.Users.Add(2, "admin")
	if err != nil {
		t.Fatal(err)
	}
	u.SetPassword([]byte(password))
	u.Enabled = true
	u.ChannelAccess[1] = bmc.UserChannelAccess{MaxPrivilege: bmc.PrivilegeLevelAdministrator, Enabled: true}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewServer(b, udp.Wrap(conn, udp.WithReadTimeout(100*time.Millisecond)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); _ = srv.Close(); <-done })
	return conn.LocalAddr().(*net.UDPAddr).Port, ch
}

// closedPort returns a UDP port on 127.0.0.1 with no listener.
func closedPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	return p
}

func bmcParams(port int, pass string) map[string]string {
	return map[string]string{"ipaddr": "127.0.0.1", "ipport": strconv.Itoa(port), "login": "admin", "passwd": pass}
}
