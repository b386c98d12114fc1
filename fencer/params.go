package fencer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Parameters that quorate itself consumes and never passes to an agent.
const (
	paramNative        = "native"         // 1 = use the built-in IPMI client for fence_ipmilan
	paramCheckInterval = "check_interval" // fence_scsi: how often quorated checks its own key
)

// mergeParams returns the <fencedevice> parameters overridden by the
// <device> ones (a <device> attribute wins, as in fenced).
func mergeParams(device, ref map[string]string) map[string]string {
	out := make(map[string]string, len(device)+len(ref))
	for k, v := range device {
		out[k] = v
	}
	for k, v := range ref {
		out[k] = v
	}
	return out
}

// first returns the value of the first key present in p.
func first(p map[string]string, keys ...string) (string, bool) {
	for _, k := range keys {
		if v, ok := p[k]; ok {
			return v, true
		}
	}
	return "", false
}

// parseBool reads the boolean spellings cluster.conf and fence-agents use.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "yes", "on", "true":
		return true, nil
	case "0", "no", "off", "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use 1 or 0)", v)
}

// paramBool returns the boolean value of p[key], def when absent.
func paramBool(p map[string]string, key string, def bool) (bool, error) {
	v, ok := p[key]
	if !ok {
		return def, nil
	}
	b, err := parseBool(v)
	if err != nil {
		return false, fmt.Errorf("%w: %s: %v", ErrBadParam, key, err)
	}
	return b, nil
}

// paramSeconds reads a fence-agents time parameter (seconds, may be
// fractional).
func paramSeconds(p map[string]string, key string) (float64, bool, error) {
	v, ok := p[key]
	if !ok {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > 86400 {
		return 0, true, fmt.Errorf("%w: %s=%q is not a number of seconds", ErrBadParam, key, v)
	}
	return f, true, nil
}

// isSecret reports whether a parameter holds a credential whose value
// must never be logged or shown.
func isSecret(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"passw", "secret", "token", "community", "_kg", "privkey"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// redactor replaces every secret value of p in a text.
type redactor []string

func newRedactor(p map[string]string, extra ...string) redactor {
	var r redactor
	for k, v := range p {
		if isSecret(k) && !strings.HasSuffix(strings.ToLower(k), "_script") {
			r = append(r, v)
		}
	}
	r = append(r, extra...)
	// Longest first, so a secret that contains another is fully hidden.
	sort.Slice(r, func(i, j int) bool { return len(r[i]) > len(r[j]) })
	return r
}

// String hides each secret of at least 3 bytes (shorter ones would blank
// ordinary words and are weak anyway) behind "******".
func (r redactor) String(s string) string {
	for _, v := range r {
		if len(v) >= 3 {
			s = strings.ReplaceAll(s, v, "******")
		}
	}
	return s
}

// encodeStdin writes the fence-agents stdin protocol: "action=A" first,
// then every parameter as "key=value", one per line, sorted by key. A
// key or value holding a newline (which would smuggle in another
// parameter), a key holding "=" and a key starting with "#" (a comment
// to the agent) are refused.
func encodeStdin(action Action, p map[string]string) ([]byte, error) {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k == "action" || k == "option" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "action=%s\n", action)
	for _, k := range keys {
		v := p[k]
		if k == "" || k[0] == '#' || strings.ContainsAny(k, "=\n\r") || strings.ContainsAny(v, "\n\r") {
			return nil, fmt.Errorf("%w: parameter %q holds a newline or an invalid name", ErrBadParam, k)
		}
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	return []byte(b.String()), nil
}

// decodeStdin parses the stdin protocol the way fence-agents do: one
// name=value per line, lines starting with '#' and lines without '=' are
// ignored, the last value of a repeated name wins. It is the inverse of
// encodeStdin (used by tests and the fuzz target).
func decodeStdin(data []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		out[k] = v
	}
	return out
}
