package appliance

import (
	"errors"
	"fmt"
	"net"
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

// InitiatorName is the initiator name to log in with: p.Initiator, or one
// derived from the node name or, without one, from the MAC address of the
// first network interface (each initiator must be unique on the SAN, since
// SCSI-3 reservations are held per initiator).
func InitiatorName(p Params, mac net.HardwareAddr) string {
	switch {
	case p.Initiator != "":
		return p.Initiator
	case p.Node != "":
		return "iqn.2026-11.org.quorate:" + p.Node
	}
	return "iqn.2026-11.org.quorate:" + strings.ReplaceAll(mac.String(), ":", "")
}
