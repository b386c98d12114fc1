package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestPRToolDispatch(t *testing.T) {
	if _, ok := prTool(nil, nil); ok {
		t.Error("no arguments ran a tool; uinit must boot")
	}
	if _, ok := prTool([]string{"-v"}, nil); ok {
		t.Error("an unknown argument ran a tool; uinit must boot")
	}
	for _, args := range [][]string{{"pr-keys"}, {"pr-write", "/dev/x", "soon"}, {"pr-write", "/dev/x", "-1"}} {
		var out bytes.Buffer
		if code, ok := prTool(args, &out); !ok || code != 2 || !strings.Contains(out.String(), "usage:") {
			t.Errorf("%v: code %d ok %v output %q, want usage and exit 2", args, code, ok, out.String())
		}
	}
	var out bytes.Buffer
	if code, _ := prTool([]string{"pr-write", "/nonexistent/lun"}, &out); code != 1 || !strings.Contains(out.String(), "open: no such file") {
		t.Errorf("pr-write of a missing device: %d %q", code, out.String())
	}
}

func TestDescribeWrite(t *testing.T) {
	got := describeWrite("/dev/sda", 3*time.Millisecond, unix.EBADE)
	if !strings.Contains(got, "RESERVATION CONFLICT") || !strings.Contains(got, "/dev/sda") {
		t.Errorf("EBADE reads %q; want it named RESERVATION CONFLICT", got)
	}
	if got := describeWrite("/dev/sda", time.Millisecond, unix.EIO); strings.Contains(got, "RESERVATION") {
		t.Errorf("EIO reads %q", got)
	}
	if got := describeWrite("/dev/sda", time.Millisecond, nil); got != "pr-write /dev/sda: write ok (1ms)" {
		t.Errorf("success reads %q", got)
	}
}
