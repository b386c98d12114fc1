package svcmgr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// params reads a resource's attributes, producing ErrConfig errors that
// name the parameter and the fix.
type params map[string]string

// required returns attribute name, or an error suggesting example.
func (p params) required(name, example string) (string, error) {
	v := strings.TrimSpace(p[name])
	if v == "" {
		return "", configErr("parameter "+name+" is missing", fmt.Sprintf("add %s=%q", name, example))
	}
	return v, nil
}

// first returns the first non-empty attribute of names.
func (p params) first(names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(p[n]); v != "" {
			return v
		}
	}
	return ""
}

// boolean parses 1/0, yes/no, on/off, true/false; absent means def.
func (p params) boolean(name string, def bool) (bool, error) {
	v, ok := p[name]
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "yes", "on", "true":
		return true, nil
	case "0", "no", "off", "false":
		return false, nil
	}
	return def, configErr(fmt.Sprintf("parameter %s=%q is not a boolean", name, v), fmt.Sprintf(`write %s="1" or %s="0"`, name, name))
}

// seconds parses a decimal number of seconds ("1.5"); absent means def.
func (p params) seconds(name string, def time.Duration) (time.Duration, error) {
	v, ok := p[name]
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || math.IsNaN(f) || f > 86400 {
		return def, configErr(fmt.Sprintf("parameter %s=%q is not a number of seconds between 0 and 86400", name, v),
			fmt.Sprintf(`write %s="5" or %s="0.5"`, name, name))
	}
	return time.Duration(f * float64(time.Second)), nil
}

// integer parses a whole number in [lo, hi]; absent means def.
func (p params) integer(name string, def, lo, hi int) (int, error) {
	v, ok := p[name]
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return def, configErr(fmt.Sprintf("parameter %s=%q is not a whole number from %d to %d", name, v, lo, hi),
			fmt.Sprintf("write %s=\"%d\"", name, lo))
	}
	return n, nil
}

// oneOf checks that attribute name is one of allowed; absent means def.
func (p params) oneOf(name, def string, allowed ...string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(p[name]))
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return def, configErr(fmt.Sprintf("parameter %s=%q is not valid", name, p[name]),
		fmt.Sprintf("use one of %s", strings.Join(allowed, ", ")))
}
