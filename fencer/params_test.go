package fencer

import (
	"errors"
	"reflect"
	"testing"
)

func TestEncodeStdin(t *testing.T) {
	got, err := encodeStdin(ActionOff, map[string]string{"port": "3", "action": "reboot", "ipaddr": "10.0.0.1", "option": "on"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "action=off\nipaddr=10.0.0.1\nport=3\n"; string(got) != want {
		t.Errorf("stdin = %q, want %q", got, want)
	}
	for _, bad := range []map[string]string{{"port": "1\naction=on"}, {"a=b": "1"}, {"": "x"}, {"x": "1\r"}, {"#c": "1"}} {
		if _, err := encodeStdin(ActionOff, bad); !errors.Is(err, ErrBadParam) {
			t.Errorf("encodeStdin(%q) = %v, want ErrBadParam", bad, err)
		}
	}
}

func TestDecodeStdinLikeFenceAgents(t *testing.T) {
	got := decodeStdin([]byte("# comment\naction=off\nnoequals\nport=1\nport=2\nempty=\r\n"))
	want := map[string]string{"action": "off", "port": "2", "empty": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decode = %v, want %v", got, want)
	}
}

func TestRedactor(t *testing.T) {
	p := map[string]string{"passwd": "hunter22", "password": "hunter2", "snmp_priv_passwd": "xyz", "login": "admin", "passwd_script": "/bin/pw", "x": "hunter22"}
	r := newRedactor(p)
	if got := r.String("admin hunter22 hunter2 xyz /bin/pw"); got != "admin ****** ****** ****** /bin/pw" {
		t.Errorf("redacted = %q", got)
	}
}

func TestMergeAndAgentParams(t *testing.T) {
	m := mergeParams(map[string]string{"ipaddr": "a", "port": "1", "action": "off"}, map[string]string{"port": "2"})
	got := agentParams(mergeParams(m, map[string]string{"native": "1"}), "n1")
	want := map[string]string{"ipaddr": "a", "port": "2", "nodename": "n1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("agent params = %v, want %v", got, want)
	}
	if got := agentParams(map[string]string{"nodename": "other"}, "n1"); got["nodename"] != "other" {
		t.Errorf("explicit nodename overridden: %v", got)
	}
}

func TestCapBuffer(t *testing.T) {
	b := &capBuffer{max: 4}
	b.Write([]byte("abc"))
	b.Write([]byte("def"))
	if got := b.String(); got != "abcd\n[2 more bytes dropped]" {
		t.Errorf("capBuffer = %q", got)
	}
}

func FuzzStdinRoundTrip(f *testing.F) {
	f.Add("ipaddr", "10.0.0.1", "passwd", "se=cret")
	f.Add("port", "", "#x", "y")
	f.Add("a\nb", "c", "d", "e\nf")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		p := map[string]string{k1: v1, k2: v2}
		data, err := encodeStdin(ActionStatus, p)
		if err != nil {
			return // refused input: nothing to round-trip
		}
		got := decodeStdin(data)
		if got["action"] != "status" {
			t.Fatalf("action lost: %q", data)
		}
		for k, v := range p {
			if k == "action" || k == "option" {
				continue
			}
			if got[k] != v {
				t.Fatalf("param %q = %q after round trip, want %q (%q)", k, got[k], v, data)
			}
		}
	})
}
