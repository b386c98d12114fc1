package conf

import (
	"testing"
	"time"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		unit time.Duration
		want time.Duration
		err  error
	}{
		{"0.1", time.Second, 100 * time.Millisecond, nil},
		{"2", time.Second, 2 * time.Second, nil},
		{" 1.50 ", time.Second, 1500 * time.Millisecond, nil},
		{".5", time.Second, 500 * time.Millisecond, nil},
		{"3.", time.Second, 3 * time.Second, nil},
		{"0.000000001", time.Second, time.Nanosecond, nil},
		{"0.0000000010", time.Second, time.Nanosecond, nil},
		{"0.0000000011", time.Second, 0, errPrecision},
		{"400", time.Millisecond, 400 * time.Millisecond, nil},
		{"2.5", time.Millisecond, 2500 * time.Microsecond, nil},
		{"0.0000001", time.Millisecond, 0, errPrecision},
		{"", time.Second, 0, errNotNumber},
		{".", time.Second, 0, errNotNumber},
		{"-1", time.Second, 0, errNotNumber},
		{"+1", time.Second, 0, errNotNumber},
		{"1e3", time.Second, 0, errNotNumber},
		{"1.2.3", time.Second, 0, errNotNumber},
		{"9223372036", time.Second, 0, errTooLarge},
		{"99999999999999999999", time.Second, 0, errTooLarge},
	}
	for _, tc := range tests {
		got, err := parseDecimal(tc.in, tc.unit)
		if got != tc.want || err != tc.err {
			t.Errorf("parseDecimal(%q, %v) = %v, %v; want %v, %v", tc.in, tc.unit, got, err, tc.want, tc.err)
		}
	}
}

func TestFormatDecimal(t *testing.T) {
	tests := []struct {
		d    time.Duration
		unit time.Duration
		want string
	}{
		{100 * time.Millisecond, time.Second, "0.1"},
		{2 * time.Second, time.Second, "2"},
		{time.Nanosecond, time.Second, "0.000000001"},
		{1500 * time.Millisecond, time.Second, "1.5"},
		{400 * time.Millisecond, time.Millisecond, "400"},
		{2500 * time.Microsecond, time.Millisecond, "2.5"},
		{0, time.Second, "0"},
	}
	for _, tc := range tests {
		got := formatDecimal(tc.d, tc.unit)
		if got != tc.want {
			t.Errorf("formatDecimal(%v, %v) = %q; want %q", tc.d, tc.unit, got, tc.want)
		}
		if back, err := parseDecimal(got, tc.unit); err != nil || back != tc.d {
			t.Errorf("parseDecimal(%q) = %v, %v; want %v", got, back, err, tc.d)
		}
	}
}

func TestParseBool(t *testing.T) {
	for _, s := range []string{"1", "yes", "on", "true", "TRUE", " On "} {
		if v, ok := parseBool(s); !v || !ok {
			t.Errorf("parseBool(%q) = %v, %v; want true", s, v, ok)
		}
	}
	for _, s := range []string{"0", "no", "off", "false", "No"} {
		if v, ok := parseBool(s); v || !ok {
			t.Errorf("parseBool(%q) = %v, %v; want false", s, v, ok)
		}
	}
	for _, s := range []string{"", "2", "y", "enabled"} {
		if _, ok := parseBool(s); ok {
			t.Errorf("parseBool(%q) accepted", s)
		}
	}
}

func TestNormalizeAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10.0.0.1", "10.0.0.1:5405"},
		{"10.0.0.1:6000", "10.0.0.1:6000"},
		{"node-1.example.com", "node-1.example.com:5405"},
		{"node1:06000", "node1:6000"},
		{"fe80::1", "[fe80::1]:5405"},
		{"[fe80::1]", "[fe80::1]:5405"},
		{"[fe80::1%eth0]:7000", "[fe80::1%eth0]:7000"},
		{"a:b:c", ""},
		{"host:0", ""},
		{"host:http", ""},
		{":5405", ""},
		{"bad host", ""},
		{"-lead", ""},
		{"x/y", ""},
	}
	for _, tc := range tests {
		got, err := normalizeAddr(tc.in, 5405)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("normalizeAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		word string
		want string
	}{
		{"intervl", "interval"},
		{"INTERVAL", "interval"},
		{"tk0", "tko"},
		{"lable", "label"},
		{"io_timout", "io_timeout"},
		{"x", ""},
		{"completely_different", ""},
	}
	for _, tc := range tests {
		if got := nearest(tc.word, quorumdAttrs); got != tc.want {
			t.Errorf("nearest(%q) = %q; want %q", tc.word, got, tc.want)
		}
	}
	if got := levenshtein("kitten", "sitting"); got != 3 {
		t.Errorf("levenshtein(kitten, sitting) = %d; want 3", got)
	}
	if got := levenshtein("", "abc"); got != 3 {
		t.Errorf("levenshtein(\"\", abc) = %d; want 3", got)
	}
}
