//go:build integration

package svcmgr

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-iptables/iptables"
)

// connects reports whether a TCP connection to addr opens within d.
func connects(addr string, d time.Duration) bool {
	c, err := net.DialTimeout("tcp", addr, d)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func TestPortblockIntegration(t *testing.T) {
	needRoot(t)
	needCmd(t, "iptables", "iptables")
	began := time.Now()
	ns := newNetns(t, "qsvc-pb") // rules live and die with the namespace
	l := newLab(t)
	var ln net.Listener
	inNetns(t, ns, func() {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Error(err)
		}
	})
	if ln == nil {
		t.FailNow()
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	addr := ln.Addr().String()
	tr := l.tree(fmt.Sprintf(`<service name="web">
  <portblock name="pb" protocol="tcp" portno="%d" action="block" ip="127.0.0.1"/>
</service>`, port), l.env())
	inNetns(t, ns, func() {
		if !connects(addr, time.Second) {
			t.Error("cannot connect before blocking")
			return
		}
		defer tr.Stop(ctx)
		if err := tr.Start(ctx); err != nil {
			t.Error(err)
			return
		}
		if connects(addr, 300*time.Millisecond) {
			t.Error("connected while the port is blocked")
		}
		ipt, err := iptables.New()
		if err != nil {
			t.Error(err)
			return
		}
		rules, _ := ipt.List("filter", PortblockChain)
		jump, _ := ipt.List("filter", "INPUT")
		t.Logf("chain: %q; INPUT: %q", rules, jump)
		if !strings.Contains(strings.Join(rules, "\n"), fmt.Sprintf("--dport %d", port)) || !strings.Contains(jump[1], "-j "+PortblockChain) {
			t.Errorf("rules not in place: %q / %q", rules, jump)
		}
		if st, list := tr.Status(ctx); st != Running {
			t.Errorf("Status = %v %+v", st, list)
		}
		// Someone flushes the chain: Status notices.
		if err := ipt.ClearChain("filter", PortblockChain); err != nil {
			t.Error(err)
		}
		if st, list := tr.Status(ctx); st != Failed || !strings.Contains(list[0].Reason, "is open, though it should be blocked") {
			t.Errorf("Status after a flush = %v %+v", st, list)
		}
		if err := tr.Start(ctx); err != nil { // puts it back
			t.Error(err)
		}
		if err := tr.Stop(ctx); err != nil {
			t.Error(err)
		}
		if !connects(addr, time.Second) {
			t.Error("cannot connect after unblocking")
		}
		if st, _ := tr.Status(ctx); st != Stopped {
			t.Errorf("Status after Stop = %v", st)
		}
		rules, _ = ipt.List("filter", PortblockChain)
		if len(rules) != 1 { // just "-N QUORATE-PORTBLOCK"
			t.Errorf("rules left: %q", rules)
		}
	})
	t.Logf("portblock integration took %v", time.Since(began))
}
