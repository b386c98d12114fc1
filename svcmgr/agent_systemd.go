package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"

	"github.com/quorate/quorate/conf"
)

// systemdAgent drives a unit over D-Bus and listens to its
// PropertiesChanged signals.
type systemdAgent struct {
	env  Env
	unit string
	want atomic.Bool // the unit should be running: a fall to failed/inactive is reported

	mu   sync.Mutex
	conn *sddbus.Conn
	stop chan struct{} // ends the signal watcher
	bg   sync.WaitGroup
}

func newSystemd(r conf.Resource, env Env) (Agent, error) {
	p := params(r.Attrs)
	unit := p.first("unit", "name")
	if unit == "" {
		return nil, configErr("parameter unit is missing", `add unit="myapp.service"`)
	}
	if !strings.Contains(unit, ".") {
		unit += ".service"
	}
	if strings.ContainsAny(unit, "/ \t\n\x00") {
		return nil, configErr(fmt.Sprintf("unit %q is not a unit name", unit), `write unit="myapp.service"`)
	}
	return &systemdAgent{env: env, unit: unit}, nil
}

// BusAt returns a dial function for Env.SystemdBus that reaches the bus
// at a D-Bus address such as "unix:path=/run/dbus/system_bus_socket"
// (for a container, the bus socket it exposes), authenticating with
// EXTERNAL as this process's uid.
func BusAt(addr string) func() (*godbus.Conn, error) {
	return func() (*godbus.Conn, error) {
		c, err := godbus.Dial(addr)
		if err != nil {
			return nil, err
		}
		if err := c.Auth([]godbus.Auth{godbus.AuthExternal(strconv.Itoa(os.Getuid()))}); err != nil {
			c.Close()
			return nil, err
		}
		if err := c.Hello(); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// bus returns the connection, dialling (and subscribing) when there is
// none or it broke.
func (a *systemdAgent) bus() (*sddbus.Conn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn != nil && a.conn.Connected() {
		return a.conn, nil
	}
	a.closeLocked()
	var c *sddbus.Conn
	var err error
	if a.env.SystemdBus != nil {
		c, err = sddbus.NewConnection(a.env.SystemdBus)
	} else {
		// Background: godbus closes a connection when its dial context ends.
		c, err = sddbus.NewSystemConnectionContext(context.Background())
	}
	if err != nil {
		return nil, notInstalledErr(fmt.Sprintf("cannot reach systemd over D-Bus: %v", err), "check that dbus and systemd run on this node")
	}
	if err := c.Subscribe(); err != nil {
		c.Close()
		return nil, fmt.Errorf("subscribing to systemd signals: %w", err)
	}
	updates := make(chan *sddbus.PropertiesUpdate, 1024)
	errs := make(chan error, 16)
	c.SetPropertiesSubscriber(updates, errs)
	a.conn, a.stop = c, make(chan struct{})
	stop := a.stop
	a.bg.Go(func() { a.watch(updates, errs, stop) })
	return c, nil
}

// watch reports the unit falling to failed or inactive while wanted.
func (a *systemdAgent) watch(updates <-chan *sddbus.PropertiesUpdate, errs <-chan error, stop <-chan struct{}) {
	last := ""
	for {
		select {
		case <-stop:
			return
		case err := <-errs:
			a.env.log().Warn("systemd signal lost", "unit", a.unit, "reason", err)
		case u := <-updates:
			if u.UnitName != a.unit {
				continue
			}
			v, ok := u.Changed["ActiveState"]
			if !ok {
				continue
			}
			s, _ := v.Value().(string)
			if down(s) && !down(last) && a.want.Load() {
				a.env.report(Failed, fmt.Errorf("unit %s became %s%s; see journalctl -u %s", a.unit, s, subState(u.Changed), a.unit))
			}
			last = s
		}
	}
}

func down(activeState string) bool { return activeState == "failed" || activeState == "inactive" }

func subState(changed map[string]godbus.Variant) string {
	if v, ok := changed["SubState"]; ok {
		if s, ok := v.Value().(string); ok {
			return " (" + s + ")"
		}
	}
	return ""
}

// Validate checks that the unit exists, is not masked and loaded
// without error.
func (a *systemdAgent) Validate() error {
	ctx, cancel := context.WithTimeout(context.Background(), validateTimeout)
	defer cancel()
	c, err := a.bus()
	if err != nil {
		return err
	}
	props, err := c.GetUnitPropertiesContext(ctx, a.unit)
	if err != nil {
		return fmt.Errorf("reading unit %s: %w", a.unit, err)
	}
	switch load, _ := props["LoadState"].(string); load {
	case "loaded":
		return nil
	case "not-found":
		return notInstalledErr(fmt.Sprintf("unit %s does not exist on this node", a.unit), "install its unit file (systemctl cat "+a.unit+" shows it once present) or fix unit=")
	case "masked":
		return notInstalledErr(fmt.Sprintf("unit %s is masked", a.unit), "run systemctl unmask "+a.unit)
	default:
		return notInstalledErr(fmt.Sprintf("unit %s did not load (%s%s)", a.unit, load, loadError(props)), "fix the unit file and run systemctl daemon-reload")
	}
}

func loadError(props map[string]any) string {
	if le, ok := props["LoadError"].([]any); ok && len(le) == 2 {
		if msg, _ := le[1].(string); msg != "" {
			return ": " + msg
		}
	}
	return ""
}

// Start runs a start job (mode "replace") and waits for its result.
func (a *systemdAgent) Start(ctx context.Context) error {
	c, err := a.bus()
	if err != nil {
		return err
	}
	a.want.Store(true)
	res, err := a.job(ctx, func(ch chan<- string) (int, error) { return c.StartUnitContext(ctx, a.unit, "replace", ch) })
	if err != nil {
		return err
	}
	if res != "done" {
		return fmt.Errorf("start job for %s ended %q%s; see journalctl -u %s", a.unit, res, a.why(ctx, c), a.unit)
	}
	return nil
}

// Stop runs a stop job and clears a failed state. A unit that does not
// exist is stopped.
func (a *systemdAgent) Stop(ctx context.Context) error {
	a.want.Store(false)
	c, err := a.bus()
	if err != nil {
		return err
	}
	res, err := a.job(ctx, func(ch chan<- string) (int, error) { return c.StopUnitContext(ctx, a.unit, "replace", ch) })
	if isNoSuchUnit(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if res != "done" {
		return fmt.Errorf("stop job for %s ended %q%s", a.unit, res, a.why(ctx, c))
	}
	_ = c.ResetFailedUnitContext(ctx, a.unit)
	return nil
}

// job queues a job and waits for its result ("done", "failed",
// "timeout", "canceled", "dependency", "skipped").
func (a *systemdAgent) job(ctx context.Context, queue func(chan<- string) (int, error)) (string, error) {
	ch := make(chan string, 1) // go-systemd sends while holding a lock
	if _, err := queue(ch); err != nil {
		if isNoSuchUnit(err) {
			return "", err
		}
		return "", fmt.Errorf("queueing job for %s: %w", a.unit, err)
	}
	select {
	case res := <-ch:
		return res, nil
	case <-ctx.Done():
		return "", fmt.Errorf("%w: job for %s still running", ErrTimeout, a.unit)
	}
}

func isNoSuchUnit(err error) bool {
	var de godbus.Error
	if errors.As(err, &de) {
		return de.Name == "org.freedesktop.systemd1.NoSuchUnit" || de.Name == "org.freedesktop.systemd1.LoadFailed"
	}
	return false
}

// why describes the unit's state for error messages.
func (a *systemdAgent) why(ctx context.Context, c *sddbus.Conn) string {
	props, err := c.GetUnitPropertiesContext(ctx, a.unit)
	if err != nil {
		return ""
	}
	s := fmt.Sprintf(" (ActiveState=%v SubState=%v", props["ActiveState"], props["SubState"])
	if strings.HasSuffix(a.unit, ".service") {
		if p, err := c.GetUnitTypePropertyContext(ctx, a.unit, "Service", "Result"); err == nil {
			s += fmt.Sprintf(" Result=%v", p.Value.Value())
		}
	}
	return s + ")"
}

// Status maps ActiveState: active, reloading and activating are
// running; inactive and deactivating stopped; failed failed.
func (a *systemdAgent) Status(ctx context.Context) (State, error) {
	c, err := a.bus()
	if err != nil {
		return Failed, err
	}
	props, err := c.GetUnitPropertiesContext(ctx, a.unit)
	if err != nil {
		return Failed, fmt.Errorf("reading unit %s: %w", a.unit, err)
	}
	switch st, _ := props["ActiveState"].(string); st {
	case "active", "reloading", "activating":
		return Running, nil
	case "inactive", "deactivating":
		return Stopped, nil
	default:
		return Failed, fmt.Errorf("unit %s is %s%s; see journalctl -u %s", a.unit, st, a.why(ctx, c), a.unit)
	}
}

// Close ends the signal watcher and the bus connection.
func (a *systemdAgent) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closeLocked()
	return nil
}

func (a *systemdAgent) closeLocked() {
	if a.stop != nil {
		close(a.stop)
		a.stop = nil
	}
	a.bg.Wait()
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
}
