package conf

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// normalizeAddr turns "host", "host:port", "[v6]" or "[v6]:port" into
// "host:port" (brackets around IPv6), adding port when none is given.
func normalizeAddr(s string, port int) (string, error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		if strings.Contains(host, ":") {
			if _, perr := netip.ParseAddr(host); perr != nil {
				return "", errors.New("not host or host:port")
			}
		}
		p = strconv.Itoa(port)
	}
	if !validHost(host) {
		return "", errors.New("not a valid host name or IP address")
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return "", errors.New("port must be a number from 1 to 65535")
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// validHost accepts IP addresses and DNS-style host names.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 || h[0] == '-' || h[0] == '.' {
		return false
	}
	for _, c := range h {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
