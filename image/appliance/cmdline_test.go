package appliance

import (
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"
)

func TestParseCmdline(t *testing.T) {
	p, err := ParseCmdline(`console=ttyS0 quiet panic=-1 quorate.label=labqd quorate.node=node2 ` +
		`quorate.iscsi=iscsi://10.77.0.1:3261/iqn.2026-11.test.quorate:qdisk/1 quorate.shell=0 quorate.debug` + "\n")
	if err != nil {
		t.Fatal(err)
	}
	want := Params{Label: "labqd", Node: "node2", Shell: false, Debug: true,
		ISCSI: &Target{Host: "10.77.0.1", Port: 3261, IQN: "iqn.2026-11.test.quorate:qdisk", LUN: 1}}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
}

func TestParseCmdlineQuotesAndOverride(t *testing.T) {
	p, err := ParseCmdline(`quorate.label=first foo="quorate.label=inside quotes" quorate.label="final" bar="x y"`)
	if err != nil || p.Label != "final" {
		t.Fatalf("override: %+v %v", p, err)
	}
	if _, err := ParseCmdline(`quorate.label="my qd"`); err == nil || !strings.Contains(err.Error(), "white space") {
		t.Fatalf("label with a space: %v", err)
	}
}

func TestParseCmdlineErrors(t *testing.T) {
	_, err := ParseCmdline("console=ttyS0 quorate.node=n1")
	if !errors.Is(err, ErrNoLabel) {
		t.Fatalf("missing label: %v", err)
	}
	_, err = ParseCmdline("quorate.label=x quorate.lable=y quorate.shell=maybe quorate.iscsi=http://x/y")
	for _, want := range []string{"quorate.lable: unknown parameter", "quorate.shell: want 0 or 1", "quorate.iscsi: bad iSCSI target"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
	if errors.Is(err, ErrNoLabel) {
		t.Error("label was given")
	}
	long := strings.Repeat("x", 200)
	if _, err := ParseCmdline("quorate.label=" + long); err == nil {
		t.Error("over-long label accepted")
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{
		"iscsi://10.0.0.1/iqn.2026-11.x:qd":       {Host: "10.0.0.1", Port: 3260, IQN: "iqn.2026-11.x:qd", LUN: -1},
		"iscsi://[fd00::1]:3261/iqn.x:y/0":        {Host: "fd00::1", Port: 3261, IQN: "iqn.x:y", LUN: 0},
		"iscsi://san.example.com:3260/iqn.a:b/17": {Host: "san.example.com", Port: 3260, IQN: "iqn.a:b", LUN: 17},
	} {
		got, err := ParseTarget(in)
		if err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", in, got, err, want)
			continue
		}
		if again, _ := ParseTarget(got.String()); again != got {
			t.Errorf("round trip of %q: %+v", got.String(), again)
		}
	}
	for _, bad := range []string{"", "iscsi://", "iscsi://h", "iscsi://h/", "iscsi://h:0/iqn", "iscsi://h:99999/i",
		"iscsi://h/iqn/x", "iscsi://h/iqn/1/2", "iscsi://h/iqn/01", "iscsi://u@h/iqn", "iscsi://h/iqn?x=1", "tcp://h/iqn"} {
		if _, err := ParseTarget(bad); !errors.Is(err, ErrBadTarget) {
			t.Errorf("ParseTarget(%q) accepted: %v", bad, err)
		}
	}
}

func TestInitiatorName(t *testing.T) {
	mac := net.HardwareAddr{0x52, 0x54, 0, 0x77, 0, 1}
	for _, c := range []struct {
		p    Params
		dhcp string
		want string
	}{
		{Params{Initiator: "iqn.x:y", Node: "n1"}, "h", "iqn.x:y"},
		{Params{Node: "n1"}, "h", InitiatorPrefix + "n1"},
		{Params{}, "node2.lab.example", InitiatorPrefix + "node2"},
		{Params{}, "", InitiatorPrefix + "525400770001"},
	} {
		if got := InitiatorName(c.p, c.dhcp, mac); got != c.want {
			t.Errorf("InitiatorName(%+v, %q) = %q, want %q", c.p, c.dhcp, got, c.want)
		}
	}
}
