package conf

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Action is an rgmanager <action> inside a resource: how often its
// status check runs (and how deep), or how long one of its operations may
// take. Interval and Timeout are -1 when the attribute is not given.
//
//	<fs name="data" ...>
//	  <action name="status" depth="20" interval="10m" timeout="30"/>
//	  <action name="start" timeout="2m"/>
//	</fs>
type Action struct {
	Name     string        // start, stop, status (monitor is read as status)
	Depth    int           // status depth 0, 10 or 20 (OCF_CHECK_LEVEL); AnyDepth for "*"
	Interval time.Duration // status only: 0 turns this check off
	Timeout  time.Duration
	Line     int
}

// Action names quorate acts on, and the ones rgmanager's agents declare
// that it accepts and ignores (they run at no interval of their own).
var (
	actionNames   = []string{"start", "stop", "status", "monitor"}
	actionIgnored = []string{"recover", "reload", "meta-data", "validate-all", "migrate"}
	actionAttrs   = []string{"name", "depth", "interval", "timeout"}
)

// AnyDepth is depth="*": the action applies to every status check of
// the resource (a depth given by number overrides it for that depth).
const AnyDepth = -1

// actions decodes the <action> children of a resource element.
func (d *decoder) actions(list []*elem) []Action {
	var out []Action
	seen := map[string]int{}
	for _, e := range list {
		d.checkAttrs(e, attrSpec{known: actionAttrs})
		a := Action{Name: d.required(e, "name", "status"), Depth: 0, Interval: -1, Timeout: -1, Line: e.line}
		switch {
		case a.Name == "":
			continue
		case a.Name == "monitor":
			a.Name = "status"
		case contains(actionIgnored, a.Name):
			continue
		case !contains(actionNames, a.Name):
			d.add(e, fmt.Sprintf("unknown action name %q", a.Name), didYouMean(a.Name, append(actionNames, actionIgnored...), `"%s"`, "use start, stop or status"))
			continue
		}
		errs := len(d.errs)
		if v, ok := e.attr("depth"); ok {
			depth, err := parseDepth(v)
			switch {
			case err != nil:
				d.add(e, fmt.Sprintf("depth=%q is not a check level", v), `use 0, 10, 20 or "*" (every depth)`)
			case a.Name != "status":
				d.add(e, fmt.Sprintf("depth is only meaningful for status, not %s", a.Name), "remove depth")
			default:
				a.Depth = depth
			}
		}
		if iv, ok := d.rgTime(e, "interval", "5m"); ok {
			switch {
			case a.Name != "status":
				d.add(e, fmt.Sprintf("interval is only meaningful for status, not %s", a.Name), "remove interval; start and stop run when the service starts and stops")
			case iv != 0 && iv < MinStatusPollInterval:
				d.add(e, fmt.Sprintf("interval %s is shorter than %s", secs(iv), secs(MinStatusPollInterval)),
					fmt.Sprintf(`use at least %s seconds, or interval="0" to turn this check off`, formatDecimal(MinStatusPollInterval, time.Second)))
			case iv > MaxStatusPollInterval:
				d.add(e, fmt.Sprintf("interval %s is longer than %s", secs(iv), secs(MaxStatusPollInterval)), "use at most 1h")
			default:
				a.Interval = iv
			}
		}
		if to, ok := d.rgTime(e, "timeout", "2m"); ok {
			if to == 0 {
				d.add(e, "timeout must be greater than 0", `set a positive time, e.g. timeout="30"`)
			} else {
				a.Timeout = to
			}
		}
		if len(d.errs) > errs {
			continue // reported; a repeat found from a bad value would only confuse
		}
		key := a.Name + "/" + strconv.Itoa(a.Depth)
		if line, dup := seen[key]; dup {
			what := a.Name
			if a.Name == "status" {
				what = fmt.Sprintf("status at depth %d", a.Depth)
				if a.Depth == AnyDepth {
					what = `status at depth "*"`
				}
			}
			d.add(e, fmt.Sprintf("<action> %s is given twice (also line %d)", what, line), "keep one of them")
			continue
		}
		seen[key] = e.line
		out = append(out, a)
	}
	return out
}

// rgTime reads an rgmanager time attribute (parseRGTime), reporting a
// bad one; ok is false when it is absent or bad.
func (d *decoder) rgTime(e *elem, name, example string) (t time.Duration, ok bool) {
	v, given := e.attr(name)
	if !given {
		return 0, false
	}
	t, err := parseRGTime(v)
	switch {
	case err == errTooLarge:
		d.add(e, fmt.Sprintf("%s=%q is longer than 24 hours", name, v), "use at most 24h")
	case err != nil:
		d.add(e, fmt.Sprintf("%s=%q is not a time", name, v), fmt.Sprintf(`write seconds ("30") or a number with s, m or h ("%s")`, example))
	default:
		return t, true
	}
	return 0, false
}

// parseDepth reads a status depth: 0, 10, 20, or "*" for every depth.
func parseDepth(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return AnyDepth, nil
	}
	switch s {
	case "0":
		return 0, nil
	case "10":
		return 10, nil
	case "20":
		return 20, nil
	}
	return 0, errNotNumber
}

// parseRGTime reads a time the way rgmanager's agents write it: a number
// of seconds, or a number followed by s, m, h or d ("30", "1.5", "5m").
func parseRGTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	unit := time.Second
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 's':
			s = s[:n-1]
		case 'm':
			s, unit = s[:n-1], time.Minute
		case 'h':
			s, unit = s[:n-1], time.Hour
		case 'd':
			s, unit = s[:n-1], 24*time.Hour
		}
	}
	if unit != time.Second {
		// Minutes and hours: whole numbers are enough.
		n, err := strconv.ParseUint(s, 10, 32)
		switch {
		case err != nil:
			return 0, errNotNumber
		case n > uint64(maxDuration/unit):
			return 0, errTooLarge
		}
		return time.Duration(n) * unit, nil
	}
	d, err := parseDecimal(s, time.Second)
	if err == nil && d > maxDuration {
		return 0, errTooLarge
	}
	return d, err
}
