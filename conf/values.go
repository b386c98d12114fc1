package conf

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

var (
	errNotNumber = errors.New("not a number")
	errPrecision = errors.New("too many decimal places")
	errTooLarge  = errors.New("too large")
)

// parseBool accepts 0/1, yes/no, on/off and true/false, in any case.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "on", "true":
		return true, true
	case "0", "no", "off", "false":
		return false, true
	}
	return false, false
}

// unitDigits is the number of decimal places a unit can hold exactly in
// nanoseconds: 9 for seconds, 6 for milliseconds.
func unitDigits(unit time.Duration) int {
	n := 0
	for u := unit; u > 1; u /= 10 {
		n++
	}
	return n
}

// parseDecimal reads a non-negative decimal number such as "2", "0.1" or
// "1.50" as a count of unit. Digits beyond nanosecond precision must be 0.
func parseDecimal(s string, unit time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return 0, errNotNumber
	}
	var n uint64
	if whole != "" {
		var err error
		if n, err = strconv.ParseUint(whole, 10, 64); err != nil {
			return 0, errTooLarge
		}
	}
	if n > uint64(math.MaxInt64/int64(unit))-1 {
		return 0, errTooLarge
	}
	d := time.Duration(n) * unit
	digits := unitDigits(unit)
	scale := unit
	for i, c := range frac {
		if i >= digits {
			if c != '0' {
				return 0, errPrecision
			}
			continue
		}
		scale /= 10
		d += time.Duration(c-'0') * scale
	}
	return d, nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// formatDecimal writes d as a decimal count of unit with no trailing
// zeros: 100ms in seconds is "0.1", 400ms in milliseconds is "400".
func formatDecimal(d time.Duration, unit time.Duration) string {
	if d < 0 {
		return "-" + formatDecimal(-d, unit)
	}
	q, r := d/unit, d%unit
	s := strconv.FormatInt(int64(q), 10)
	if r == 0 {
		return s
	}
	frac := strconv.FormatInt(int64(r), 10)
	frac = strings.Repeat("0", unitDigits(unit)-len(frac)) + frac
	return s + "." + strings.TrimRight(frac, "0")
}

// secs and msecs format durations for messages, with their unit.
func secs(d time.Duration) string  { return formatDecimal(d, time.Second) + "s" }
func msecs(d time.Duration) string { return formatDecimal(d, time.Millisecond) + "ms" }
