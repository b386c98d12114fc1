package conf

import (
	"testing"
	"time"
)

func TestParseRGTime(t *testing.T) {
	good := map[string]time.Duration{
		"30": 30 * time.Second, "1.5": 1500 * time.Millisecond, " 10s ": 10 * time.Second, "0": 0,
		"5m": 5 * time.Minute, "2h": 2 * time.Hour, "1d": 24 * time.Hour, "0.5s": 500 * time.Millisecond,
	}
	for in, want := range good {
		if got, err := parseRGTime(in); err != nil || got != want {
			t.Errorf("parseRGTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "s", "m", "-1", "1.5m", "1w", "2d", "25h", "86401", "1e3", "0x10", "1000000d", "4294967296h"} {
		if got, err := parseRGTime(in); err == nil {
			t.Errorf("parseRGTime(%q) = %v; want an error", in, got)
		}
	}
}

func FuzzParseRGTime(f *testing.F) {
	for _, s := range []string{"30", "5m", "1.25", "24h", "1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseRGTime(s)
		if err == nil && (d < 0 || d > maxDuration) {
			t.Fatalf("parseRGTime(%q) = %v, outside 0..24h", s, d)
		}
	})
}
