package appliance

import (
	"reflect"
	"testing"
)

func FuzzCmdline(f *testing.F) {
	f.Add("console=ttyS0 quorate.label=labqd quorate.node=node1 quorate.shell=0")
	f.Add(`quorate.label="a" quorate.iscsi=iscsi://[::1]:3261/iqn.x:y/3 quorate.debug quorate.cluster=lab`)
	f.Add(`quorate.initiator=iqn.2026-11.x:n1 "quorate.label=q q" quorate.label=x`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseCmdline(s)
		if err != nil {
			return
		}
		again, err := ParseCmdline(p.Cmdline())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", p.Cmdline(), err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("round trip of %q: %+v != %+v", p.Cmdline(), again, p)
		}
	})
}

func FuzzTarget(f *testing.F) {
	f.Add("iscsi://10.0.0.1:3261/iqn.2026-11.test.quorate:qdisk/1")
	f.Add("iscsi://[fd00::1]/iqn.x:y")
	f.Add("iscsi://host.example/iqn.a:b/0")
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		again, err := ParseTarget(tg.String())
		if err != nil || again != tg {
			t.Fatalf("round trip of %q via %q: %+v, %v", s, tg.String(), again, err)
		}
	})
}
