package svcmgr

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/coreos/go-iptables/iptables"

	"github.com/quorate/quorate/conf"
)

// PortblockChain is the filter-table chain that holds portblock's DROP
// rules; INPUT jumps to it first.
const PortblockChain = "QUORATE-PORTBLOCK"

// portblockAgent blocks new connections to ports (SYN for TCP, every
// packet for UDP) while an address moves, so clients retry instead of
// being reset. action="block": start blocks, stop unblocks;
// action="unblock": start unblocks, stop blocks (heartbeat's portblock).
type portblockAgent struct {
	env     Env
	name    string
	proto   string
	ports   string // "80" or "80,443,8000:8080"
	ip      netip.Addr
	block   bool // action=block
	marker  string
	comment string
	newIPT  func(iptables.Protocol) (*iptables.IPTables, error)
}

func newPortblock(r conf.Resource, env Env) (Agent, error) {
	p := params(r.Attrs)
	a := &portblockAgent{env: env, name: orDefault(p.first("name"), "portblock")}
	var errs [3]error
	a.proto, errs[0] = p.oneOf("protocol", "tcp", "tcp", "udp")
	var action string
	action, errs[1] = p.oneOf("action", "", "block", "unblock")
	if action == "" && errs[1] == nil {
		errs[1] = configErr("parameter action is missing", `add action="block" (start blocks) or action="unblock" (start unblocks)`)
	}
	a.block = action == "block"
	a.ports, errs[2] = parsePorts(p.first("portno", "port"))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	if s := p.first("ip"); s != "" {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.Zone() != "" {
			return nil, configErr(fmt.Sprintf("ip %q is not an address", s), `write ip="10.0.0.100"`)
		}
		a.ip = ip
	}
	a.comment = "quorate:" + env.ServiceName + ":" + a.name
	a.marker = filepath.Join(env.StateDir, fileSafe(env.ServiceName), "portblock-"+fileSafe(a.name)+".started")
	a.newIPT = func(p iptables.Protocol) (*iptables.IPTables, error) {
		return iptables.New(iptables.IPFamily(p), iptables.Timeout(5))
	}
	return a, nil
}

// parsePorts checks a port list: "80", "80,443", "8000:8080".
func parsePorts(s string) (string, error) {
	bad := configErr(fmt.Sprintf("portno %q is not a port list", s), `write portno="80" or portno="80,443,8000:8080"`)
	if s == "" {
		return "", configErr("parameter portno is missing", `add portno="80"`)
	}
	items := strings.Split(strings.ReplaceAll(s, " ", ""), ",")
	if len(items) > 15 { // iptables multiport limit
		return "", bad
	}
	for _, it := range items {
		for _, n := range strings.SplitN(it, ":", 2) {
			if v, err := strconv.Atoi(n); err != nil || v < 1 || v > 65535 {
				return "", bad
			}
		}
	}
	return strings.Join(items, ","), nil
}

func (a *portblockAgent) family() iptables.Protocol {
	if a.ip.IsValid() && a.ip.Is6() {
		return iptables.ProtocolIPv6
	}
	return iptables.ProtocolIPv4
}

// rule is the DROP rule's spec.
func (a *portblockAgent) rule() []string {
	r := []string{"-p", a.proto}
	if a.ip.IsValid() {
		r = append(r, "-d", a.ip.String())
	}
	if strings.ContainsAny(a.ports, ",:") {
		r = append(r, "-m", "multiport", "--dports", a.ports)
	} else {
		r = append(r, "--dport", a.ports)
	}
	if a.proto == "tcp" {
		r = append(r, "--syn")
	}
	return append(r, "-m", "comment", "--comment", a.comment, "-j", "DROP")
}

// ipt returns iptables for the family, with the chain and the jump to
// it in place.
func (a *portblockAgent) ipt() (*iptables.IPTables, error) {
	ipt, err := a.newIPT(a.family())
	if err != nil {
		return nil, notInstalledErr(fmt.Sprintf("iptables is not usable: %v", err), "install iptables (apt-get install iptables)")
	}
	ok, err := ipt.ChainExists("filter", PortblockChain)
	if err == nil && !ok {
		if err = ipt.NewChain("filter", PortblockChain); err != nil {
			if ok, _ = ipt.ChainExists("filter", PortblockChain); ok { // created meanwhile
				err = nil
			}
		}
	}
	if err == nil {
		err = ipt.InsertUnique("filter", "INPUT", 1, "-j", PortblockChain)
	}
	if err != nil {
		return nil, fmt.Errorf("preparing chain %s: %w", PortblockChain, err)
	}
	return ipt, nil
}

func (a *portblockAgent) Validate() error {
	if _, err := a.newIPT(a.family()); err != nil {
		return notInstalledErr(fmt.Sprintf("iptables is not usable: %v", err), "install iptables (apt-get install iptables)")
	}
	return nil
}

func (a *portblockAgent) Start(context.Context) error {
	if err := a.set(a.block); err != nil {
		return err
	}
	return writeMarker(a.marker)
}

func (a *portblockAgent) Stop(context.Context) error {
	if err := a.set(!a.block); err != nil {
		return err
	}
	if err := os.Remove(a.marker); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// set adds (block) or removes (unblock) the DROP rule.
func (a *portblockAgent) set(block bool) error {
	ipt, err := a.ipt()
	if err != nil {
		return err
	}
	if block {
		err = ipt.AppendUnique("filter", PortblockChain, a.rule()...)
	} else {
		err = ipt.DeleteIfExists("filter", PortblockChain, a.rule()...)
	}
	if err != nil {
		return fmt.Errorf("iptables: %w", err)
	}
	return nil
}

// Status: Stopped until started; then Running while the rule is as the
// action wants (present for block, absent for unblock), else Failed.
func (a *portblockAgent) Status(context.Context) (State, error) {
	if _, err := os.Stat(a.marker); err != nil {
		return Stopped, nil
	}
	blocked, err := a.blocked()
	switch {
	case err != nil:
		return Failed, err
	case blocked != a.block:
		return Failed, fmt.Errorf("port %s/%s is %s, though it should be %s; something else changed chain %s", a.ports, a.proto, word(blocked), word(a.block), PortblockChain)
	}
	return Running, nil
}

func (a *portblockAgent) blocked() (bool, error) {
	ipt, err := a.ipt()
	if err != nil {
		return false, err
	}
	return ipt.Exists("filter", PortblockChain, a.rule()...)
}

func word(blocked bool) string {
	if blocked {
		return "blocked"
	}
	return "open"
}

func writeMarker(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, nil, 0o644)
}
