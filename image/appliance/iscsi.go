package appliance

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrBadTarget: a quorate.iscsi= value that is not iscsi://HOST[:PORT]/IQN[/LUN].
var ErrBadTarget = errors.New("bad iSCSI target")

// DefaultISCSIPort is the iSCSI port used when the URI gives none.
const DefaultISCSIPort = 3260

// Target is an iSCSI target named like qemu's iSCSI URIs:
// iscsi://HOST[:PORT]/TARGET-IQN[/LUN].
type Target struct {
	Host string // host name or IP address (IPv6 without brackets)
	Port int    // 1..65535
	IQN  string // target name
	LUN  int    // -1 = all LUNs of the target
}

// ParseTarget parses iscsi://HOST[:PORT]/IQN[/LUN]. The IQN may not
// contain '/'; LUN is a decimal number.
func ParseTarget(s string) (Target, error) {
	bad := func(why string) (Target, error) {
		return Target{}, fmt.Errorf("%w %q: %s; want iscsi://HOST[:PORT]/TARGET-IQN[/LUN]", ErrBadTarget, s, why)
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "iscsi" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return bad("not an iscsi:// URI with a host")
	}
	t := Target{Host: u.Hostname(), Port: DefaultISCSIPort, LUN: -1}
	if !validHost(t.Host) {
		return bad("host is neither an IP address nor a host name")
	}
	if p := u.Port(); p != "" {
		if t.Port, err = strconv.Atoi(p); err != nil || t.Port < 1 || t.Port > 65535 {
			return bad("port out of range")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return bad("empty port")
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(parts) > 2 || parts[0] == "" || !validIQN(parts[0]) {
		return bad("missing or malformed target name")
	}
	t.IQN = parts[0]
	if len(parts) == 2 {
		if t.LUN, err = strconv.Atoi(parts[1]); err != nil || t.LUN < 0 || t.LUN > 16383 || parts[1] != strconv.Itoa(t.LUN) {
			return bad("LUN must be a number 0..16383")
		}
	}
	return t, nil
}

func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || strings.HasPrefix(h, "-") || strings.HasPrefix(h, ".") {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func validIQN(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' || strings.ContainsRune("/?#%\"", r) {
			return false
		}
	}
	return true
}

// Addr is HOST:PORT for dialing.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// String formats t as an iscsi:// URI (ParseTarget's inverse).
func (t Target) String() string {
	s := "iscsi://" + t.Addr() + "/" + t.IQN
	if t.LUN >= 0 {
		s += "/" + strconv.Itoa(t.LUN)
	}
	return s
}

// InitiatorPrefix starts the initiator names the appliance makes up.
const InitiatorPrefix = "iqn.2026-11.org.quorate:"

// InitiatorName is the initiator name to log in with: p.Initiator, else
// one made from quorate.node, else from the DHCP host name (up to the
// first dot), else from the MAC address of the first network interface.
// Each initiator must be unique on the SAN: SCSI-3 reservations are held
// per initiator.
func InitiatorName(p Params, dhcpName string, mac net.HardwareAddr) string {
	short, _, _ := strings.Cut(dhcpName, ".")
	switch {
	case p.Initiator != "":
		return p.Initiator
	case p.Node != "":
		return InitiatorPrefix + p.Node
	case short != "":
		return InitiatorPrefix + short
	}
	return InitiatorPrefix + strings.ReplaceAll(mac.String(), ":", "")
}
