package ipmisim

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	b := BMC{Name: "node2", ID: 2, Addr: "127.0.0.1", Port: 9001, SerialPort: 9101, StartCmd: "/bin/sh /x/power-on",
		PowerOffWait: 0, KillWait: 1, User: "admin", Pass: "secret"}
	args, err := b.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-n", "-c", filepath.Join(dir, "lan.conf"), "-f", filepath.Join(dir, "node.emu"), "-s", filepath.Join(dir, "state")}
	if !slices.Equal(args, want) {
		t.Errorf("args = %q, want %q", args, want)
	}
	lan, _ := os.ReadFile(filepath.Join(dir, "lan.conf"))
	for _, line := range []string{`name "node2"`, "addr 127.0.0.1 9001", "guid a123456789abcdefa123456789abcd02",
		"serial 15 127.0.0.1 9101 codec VM", `startcmd "/bin/sh /x/power-on"`, "poweroff_wait 0", "kill_wait 1",
		`user 2 true "admin" "secret" admin`} {
		if !strings.Contains(string(lan), line) {
			t.Errorf("lan.conf lacks %q:\n%s", line, lan)
		}
	}
	if emu, _ := os.ReadFile(filepath.Join(dir, "node.emu")); string(emu) != Emu {
		t.Errorf("node.emu = %q", emu)
	}
	if st, err := os.Stat(filepath.Join(dir, "state")); err != nil || !st.IsDir() {
		t.Errorf("no state directory: %v", err)
	}
}
