package svcmgr

import (
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"  /bin/prog  -a   b ", []string{"/bin/prog", "-a", "b"}, false},
		{`prog 'a b' "c d"`, []string{"prog", "a b", "c d"}, false},
		{`prog $HOME ~ * #x`, []string{"prog", "$HOME", "~", "*", "#x"}, false},
		{`prog "a\"b\\c\$d\e"`, []string{"prog", `a"b\c$d\e`}, false},
		{`prog 'it'\''s'`, []string{"prog", "it's"}, false},
		{`prog a\ b ''`, []string{"prog", "a b", ""}, false},
		{"prog a\\\nb", []string{"prog", "ab"}, false},
		{`prog 'open`, nil, true},
		{`prog "open`, nil, true},
		{`prog \`, nil, true},
	}
	for _, tc := range tests {
		got, err := Split(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("Split(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if q := Quote([]string{"/bin/prog", "a b", "it's", ""}); q != `/bin/prog 'a b' 'it'\''s' ''` {
		t.Errorf("Quote = %s", q)
	}
}

func TestMountInfo(t *testing.T) {
	list, err := parseMountInfo([]byte("36 35 98:0 /mnt1 /mnt\\0402 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n" +
		"37 36 0:5 / /srv/a\\134b rw - tmpfs tmp\\011fs rw\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := list[0]
	if m.ID != 36 || m.Parent != 35 || m.Major != 98 || m.Minor != 0 || m.Root != "/mnt1" || m.MountPoint != "/mnt 2" ||
		!slices.Equal(m.Optional, []string{"master:1", "shared:2"}) || m.FSType != "ext3" || m.Source != "/dev/root" || m.SuperOptions != "rw,errors=continue" {
		t.Errorf("entry = %+v", m)
	}
	if list[1].MountPoint != `/srv/a\b` || list[1].Source != "tmp\tfs" || list[1].Optional != nil {
		t.Errorf("entry = %+v", list[1])
	}
	if got := mountAt(list, "/mnt 2"); got == nil || got.ID != 36 {
		t.Errorf("mountAt = %+v", got)
	}
	for _, bad := range []string{"1 2 3", "a 0 0:1 / / rw - t s o", "1 0 0:1 / / rw t s o", "1 0 0:1 / / rw - t s", "1 0 0:1 / /  rw - t s o"} {
		if _, err := parseMountInfo([]byte(bad)); err == nil {
			t.Errorf("parseMountInfo(%q) succeeded", bad)
		}
	}
	if _, err := readMounts(); err != nil {
		t.Errorf("this machine's mountinfo does not parse: %v", err)
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in   string
		ip   string
		bits int
		ok   bool
	}{
		{"10.0.0.5", "10.0.0.5", -1, true},
		{"10.0.0.5/24", "10.0.0.5", 24, true},
		{"fd00::5/64", "fd00::5", 64, true},
		{"2001:db8::1", "2001:db8::1", -1, true},
		{"127.0.0.1", "", 0, false},
		{"224.0.0.1/4", "", 0, false},
		{"fe80::1%eth0", "", 0, false},
		{"10.0.0.5/33", "", 0, false},
		{"::ffff:10.0.0.5", "", 0, false},
		{"host", "", 0, false},
	}
	for _, tc := range tests {
		ip, bits, err := parseAddress(tc.in)
		if tc.ok != (err == nil) || tc.ok && (ip != netip.MustParseAddr(tc.ip) || bits != tc.bits) {
			t.Errorf("parseAddress(%q) = %v %d %v", tc.in, ip, bits, err)
		}
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Errorf("parseAddress(%q) error %v is not ErrConfig", tc.in, err)
		}
	}
}

func TestPortblockRule(t *testing.T) {
	env := Env{ServiceName: "web", StateDir: t.TempDir()}
	a, err := newPortblock(resource("portblock", map[string]string{"name": "pb", "portno": "80, 443", "action": "block", "ip": "10.0.0.5"}), env)
	if err != nil {
		t.Fatal(err)
	}
	want := "-p tcp -d 10.0.0.5 -m multiport --dports 80,443 --syn -m comment --comment quorate:web:pb -j DROP"
	if got := strings.Join(a.(*portblockAgent).rule(), " "); got != want {
		t.Errorf("rule = %s\nwant %s", got, want)
	}
	a, err = newPortblock(resource("portblock", map[string]string{"name": "pb", "port": "53", "protocol": "udp", "action": "unblock"}), env)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.(*portblockAgent).rule(), " "); got != "-p udp --dport 53 -m comment --comment quorate:web:pb -j DROP" {
		t.Errorf("rule = %s", got)
	}
	for _, bad := range []string{"0", "65536", "80,x", "1:2:3", ""} {
		if _, err := parsePorts(bad); !errors.Is(err, ErrConfig) {
			t.Errorf("parsePorts(%q) = %v", bad, err)
		}
	}
}

func TestSystemdUnitName(t *testing.T) {
	for attrs, want := range map[[2]string]string{
		{"web", ""}:                  "web.service",
		{"web", "nginx.service"}:     "nginx.service",
		{"", "backup.timer"}:         "backup.timer",
		{"pg", "postgresql@15-main"}: "postgresql@15-main.service",
	} {
		m := map[string]string{}
		if attrs[0] != "" {
			m["name"] = attrs[0]
		}
		if attrs[1] != "" {
			m["unit"] = attrs[1]
		}
		a, err := newSystemd(resource("systemd", m), Env{})
		if err != nil || a.(*systemdAgent).unit != want {
			t.Errorf("%v: unit %v, %v; want %s", attrs, a, err, want)
		}
	}
	if _, err := newSystemd(resource("systemd", map[string]string{"unit": "a b"}), Env{}); !errors.Is(err, ErrConfig) {
		t.Errorf("unit with a space: %v", err)
	}
}

func TestResourceErrorText(t *testing.T) {
	err := &ResourceError{Service: "web", Type: "script", KeyAttr: "name", Key: "httpd", Line: 12, Op: "start",
		Err: &ExitError{Cmd: "/etc/init.d/httpd start", Code: 5, Meaning: "LSB: program is not installed", Output: "no binary", kind: ErrNotInstalled}}
	want := `service "web": <script name="httpd"> (cluster.conf:12): start: /etc/init.d/httpd start exited with 5 (LSB: program is not installed): no binary`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	if !errors.Is(err, ErrNotInstalled) || errors.Is(err, ErrConfig) {
		t.Error("errors.Is does not see through to the exit code's meaning")
	}
}

func TestFSParameters(t *testing.T) {
	a, err := newFS(resource("fs", map[string]string{"name": "d", "device": "/dev/nope", "mountpoint": "/srv/d/"}), Env{})
	if err != nil {
		t.Fatal(err)
	}
	if a.(*fsAgent).mountpoint != "/srv/d" {
		t.Errorf("mountpoint not cleaned: %q", a.(*fsAgent).mountpoint)
	}
	if err := a.Validate(); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "device /dev/nope is not present on this node") {
		t.Errorf("Validate = %v", err)
	}
	if st, err := a.Status(ctx); st != Stopped || err != nil {
		t.Errorf("Status of an unmounted fs = %v, %v", st, err)
	}
	for _, attrs := range []map[string]string{
		{"device": "/dev/x"},
		{"mountpoint": "/m"},
		{"device": "/dev/x", "mountpoint": "/"},
		{"device": "/dev/x", "mountpoint": "rel"},
	} {
		if _, err := newFS(resource("fs", attrs), Env{}); !errors.Is(err, ErrConfig) {
			t.Errorf("newFS(%v) = %v; want ErrConfig", attrs, err)
		}
	}
}

func TestUsersOf(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("sleep", "30")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	users := usersOf(unix.Major(st.Dev), unix.Minor(st.Dev))
	if !slices.Contains(users, cmd.Process.Pid) {
		t.Errorf("usersOf(%d:%d) = %v; lacks the process working in %s", unix.Major(st.Dev), unix.Minor(st.Dev), users, dir)
	}
	if slices.Contains(users, os.Getpid()) {
		t.Error("usersOf lists this process")
	}
	if got := usersOf(0xfff, 0xfffff); len(got) != 0 {
		t.Errorf("users of a device that does not exist: %v", got)
	}
}
