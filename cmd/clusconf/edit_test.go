package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

// editCase is one editing command on base.conf and what must hold after.
type editCase struct {
	args  []string
	check func(c *conf.Cluster) error
}

func errIf(bad bool, format string, args ...any) error {
	if bad {
		return fmt.Errorf(format, args...)
	}
	return nil
}

var editCases = map[string]editCase{
	"addnode": {[]string{"addnode", "web2", "--nodeid", "7", "--addr", "10.1.0.4:5406", "--votes", "3"}, func(c *conf.Cluster) error {
		n := c.NodeByName("web2")
		return errIf(n == nil || n.ID != 7 || n.Addr != "10.1.0.4:5406" || n.Votes != 3, "web2 = %+v", n)
	}},
	"rmnode": {[]string{"rmnode", "db2"}, func(c *conf.Cluster) error {
		d := c.DomainByName("dbs")
		return errIf(c.NodeByName("db2") != nil || len(d.Nodes) != 1, "db2 still there or still in dbs: %+v", d.Nodes)
	}},
	"addfencedev": {[]string{"addfencedev", "pdu2", "agent=fence_apc", "ipaddr=10.0.1.8", "login=apc"}, func(c *conf.Cluster) error {
		f := c.FenceDeviceByName("pdu2")
		return errIf(f == nil || f.Agent != "fence_apc" || f.Params["ipaddr"] != "10.0.1.8" || f.Params["login"] != "apc", "pdu2 = %+v", f)
	}},
	"rmfencedev": {[]string{"rmfencedev", "spare-pdu"}, func(c *conf.Cluster) error {
		return errIf(c.FenceDeviceByName("spare-pdu") != nil || c.FenceDeviceByName("ipmi-db1") == nil, "fence devices %+v", c.FenceDevices)
	}},
	"addmethod new": {[]string{"addmethod", "db2", "pdu", "spare-pdu", "port=2"}, func(c *conf.Cluster) error {
		f := c.NodeByName("db2").Fence
		return errIf(len(f) != 1 || f[0].Name != "pdu" || f[0].Devices[0].Name != "spare-pdu" || f[0].Devices[0].Params["port"] != "2", "db2 fence %+v", f)
	}},
	"addmethod existing": {[]string{"addmethod", "db1", "power", "spare-pdu", "port=1"}, func(c *conf.Cluster) error {
		f := c.NodeByName("db1").Fence
		return errIf(len(f) != 1 || len(f[0].Devices) != 2 || f[0].Devices[1].Name != "spare-pdu", "db1 fence %+v", f)
	}},
	"rmmethod": {[]string{"rmmethod", "db1", "power"}, func(c *conf.Cluster) error {
		return errIf(len(c.NodeByName("db1").Fence) != 0, "db1 fence %+v", c.NodeByName("db1").Fence)
	}},
	"addfailoverdomain": {[]string{"addfailoverdomain", "webs", "--ordered", "--nofailback", "web1:1", "db2:5", "db1"}, func(c *conf.Cluster) error {
		d := c.DomainByName("webs")
		return errIf(d == nil || !d.Ordered || d.Restricted || !d.NoFailback || len(d.Nodes) != 3 ||
			d.Nodes[1].Name != "db2" || d.Nodes[1].Priority != 5 || d.Nodes[2].Priority != 1, "webs = %+v", d)
	}},
	"rmfailoverdomain": {[]string{"rmfailoverdomain", "spare"}, func(c *conf.Cluster) error {
		return errIf(c.DomainByName("spare") != nil || c.DomainByName("dbs") == nil, "domains %+v", c.RM.Domains)
	}},
	"addresource": {[]string{"addresource", "script", "name=httpd", "file=/etc/init.d/httpd"}, func(c *conf.Cluster) error {
		r := c.ResourceByRef("script", "httpd")
		return errIf(r == nil || r.Attrs["file"] != "/etc/init.d/httpd", "script httpd = %+v", r)
	}},
	"rmresource": {[]string{"rmresource", "ip", "10.1.0.199/24"}, func(c *conf.Cluster) error {
		return errIf(c.ResourceByRef("ip", "10.1.0.199/24") != nil || c.ResourceByRef("ip", "10.1.0.100/24") == nil, "resources %+v", c.RM.Resources)
	}},
	"addservice": {[]string{"addservice", "web", "--domain", "spare", "--recovery", "restart", "--autostart", "0", "--exclusive",
		"depend=service:db", "ip:10.1.0.199/24", "exec:name=warm,command=/bin/echo a\\,b", "+systemd:unit=httpd.service", "++script:name=x,file=/bin/true", "ocf:name=cache,agent=heartbeat/memcached"},
		func(c *conf.Cluster) error {
			s := c.ServiceByName("web")
			if s == nil || s.Domain != "spare" || s.Autostart || !s.Exclusive || s.Attrs["depend"] != "service:db" || len(s.Children) != 3 {
				return fmt.Errorf("web = %+v", s)
			}
			ip, ex, ocf := s.Children[0], s.Children[1], s.Children[2]
			if ip.Type != "ip" || ip.Ref != "10.1.0.199/24" || ex.Attrs["command"] != "/bin/echo a,b" || ocf.Type != "ocf" {
				return fmt.Errorf("web children %+v", s.Children)
			}
			return errIf(len(ex.Children) != 1 || ex.Children[0].Attrs["unit"] != "httpd.service" ||
				len(ex.Children[0].Children) != 1 || ex.Children[0].Children[0].Type != "script", "nesting %+v", ex.Children)
		}},
	"rmservice": {[]string{"rmservice", "batch"}, func(c *conf.Cluster) error {
		return errIf(c.ServiceByName("batch") != nil || c.ServiceByName("db") == nil, "services %+v", c.RM.Services)
	}},
	"setquorumd": {[]string{"setquorumd", "interval=0.2", "tko=", "master_wins=1"}, func(c *conf.Cluster) error {
		q := c.Quorumd
		return errIf(q.Interval != 200*time.Millisecond || q.TKO != conf.DefaultTKO || !q.MasterWins || q.Label != "prod-qdisk", "quorumd %+v", q)
	}},
	"settotem": {[]string{"settotem", "token=1000", "hb_interval=250"}, func(c *conf.Cluster) error {
		return errIf(c.Totem.Token != time.Second || c.Totem.Heartbeat != 250*time.Millisecond, "totem %+v", c.Totem)
	}},
	"setcman": {[]string{"setcman", "expected_votes=5"}, func(c *conf.Cluster) error {
		return errIf(c.CMAN.ExpectedVotes != 5, "cman %+v", c.CMAN)
	}},
	"setfencedaemon": {[]string{"setfencedaemon", "post_join_delay=20"}, func(c *conf.Cluster) error {
		return errIf(c.FenceDaemon.PostJoinDelay != 20*time.Second, "fence_daemon %+v", c.FenceDaemon)
	}},
}

// TestEditCommands runs every editing command on a copy of base.conf and
// checks the change, the version bump, the .bak, the kept comments and
// the file mode.
func TestEditCommands(t *testing.T) {
	for name, tc := range editCases {
		t.Run(name, func(t *testing.T) {
			path, orig := baseFile(t)
			code, stdout, stderr := run(t, append([]string{"-f", path}, tc.args...)...)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			mustContain(t, "stdout", stdout, "config_version 41 -> 42")
			c, err := conf.Load(path)
			if err != nil {
				t.Fatalf("result does not parse: %v\n%s", err, readFile(t, path))
			}
			if c.ConfigVersion != 42 {
				t.Errorf("config_version %d, want 42", c.ConfigVersion)
			}
			if err := tc.check(c); err != nil {
				t.Errorf("%v\n%s", err, c.Raw)
			}
			if !bytes.Equal(readFile(t, path+".bak"), orig) {
				t.Error(".bak is not the previous file")
			}
			mustContain(t, "result", string(c.Raw), "<!-- Test cluster: keep this comment. -->")
			for _, p := range []string{path, path + ".bak"} {
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o640 {
					t.Errorf("%s: mode %v (%v), want 0640 kept", p, fi.Mode(), err)
				}
			}
		})
	}
}

// TestDryRunChangesNothing: --dry-run prints the diff and writes nothing.
func TestDryRunChangesNothing(t *testing.T) {
	for name, tc := range editCases {
		t.Run(name, func(t *testing.T) {
			path, orig := baseFile(t)
			code, stdout, stderr := run(t, append([]string{"-f", path, "--dry-run"}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			mustContain(t, "diff", stdout, "--- "+path+"\n+++ "+path+" (after ", "\n-<cluster name=\"prod\" config_version=\"41\">\n", "\n+<cluster name=\"prod\" config_version=\"42\">\n")
			mustContain(t, "stderr", stderr, "dry run, "+path+" is unchanged")
			if !bytes.Equal(readFile(t, path), orig) {
				t.Error("--dry-run changed the file")
			}
			if _, err := os.Stat(path + ".bak"); !os.IsNotExist(err) {
				t.Errorf("--dry-run made a .bak: %v", err)
			}
		})
	}
}

// TestEditRefusals: edits whose result is invalid, or that name things
// that do not exist, exit 1 and change nothing.
func TestEditRefusals(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"duplicate node":     {[]string{"addnode", "db1"}, "node db1 already exists (nodeid 1)"},
		"duplicate nodeid":   {[]string{"addnode", "web2", "--nodeid", "2"}, "nodeid 2 is used twice"},
		"unknown node":       {[]string{"rmnode", "db3"}, "no node db3 in"},
		"domain emptied":     {[]string{"rmnode", "web1"}, `failover domain has no <failoverdomainnode>`},
		"fence dev in use":   {[]string{"rmfencedev", "ipmi-db1"}, "still used by node db1 method power"},
		"fence dev unknown":  {[]string{"addmethod", "db2", "power", "ipmi-db2"}, `fence device "ipmi-db2" is not defined in <fencedevices>; did you mean "ipmi-db1"?`},
		"method of nobody":   {[]string{"addmethod", "db9", "power", "ipmi-db1"}, "no node db9; add it first"},
		"duplicate domain":   {[]string{"addfailoverdomain", "dbs", "db1"}, "failover domain dbs already exists"},
		"domain in use":      {[]string{"rmfailoverdomain", "dbs"}, "used by service(s) db"},
		"domain of nobody":   {[]string{"addfailoverdomain", "x", "db7"}, `"db7" is not a <clusternode>`},
		"resource in use":    {[]string{"rmresource", "fs", "pgdata"}, "used by service(s) db"},
		"resource twice":     {[]string{"addresource", "ip", "address=10.1.0.100/24"}, `<ip> "10.1.0.100/24" is defined twice`},
		"service twice":      {[]string{"addservice", "db"}, "service db already exists"},
		"service bad domain": {[]string{"addservice", "web", "--domain", "dbz"}, `failover domain "dbz" is not defined; did you mean "dbs"?`},
		"service bad ref":    {[]string{"addservice", "web", "fs:pgdta"}, `ref "pgdta" does not match any <fs> in <resources>; did you mean "pgdata"?`},
		"unknown service":    {[]string{"rmservice", "mail"}, "no service mail; there are: db, batch"},
		"bad timing":         {[]string{"settotem", "hb_interval=500"}, "hb_interval 500ms is more than half of token 800ms"},
		"typo attribute":     {[]string{"setquorumd", "intervl=1"}, `unknown attribute "intervl"; did you mean "interval"?`},
		"two_node":           {[]string{"setcman", "two_node=1", "expected_votes=1"}, `two_node="1" needs exactly 2 nodes, found 3`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path, orig := baseFile(t)
			code, stdout, stderr := run(t, append([]string{"-f", path}, tc.args...)...)
			if code != exitError || stdout != "" {
				t.Errorf("exit %d, stdout %q", code, stdout)
			}
			mustContain(t, "stderr", stderr, tc.want)
			if !bytes.Equal(readFile(t, path), orig) {
				t.Error("a refused edit changed the file")
			}
			if _, err := os.Stat(path + ".bak"); !os.IsNotExist(err) {
				t.Errorf("a refused edit made a .bak: %v", err)
			}
		})
	}
}

func TestEditNeedsReadableFile(t *testing.T) {
	dir := t.TempDir()
	missing := dir + "/none.conf"
	code, _, stderr := run(t, "-f", missing, "addnode", "x")
	if code != exitError || !strings.Contains(stderr, "create NAME") {
		t.Errorf("missing file: exit %d %s", code, stderr)
	}
	broken := dir + "/broken.conf"
	os.WriteFile(broken, []byte("<cluster name=\"a\" config_version=\"1\">\n<clusternodes>\n</cluster>\n"), 0o644)
	code, _, stderr = run(t, "-f", broken, "addnode", "x")
	if code != exitError || !strings.Contains(stderr, "well-formed") || !strings.Contains(stderr, broken+":3: XML syntax error") {
		t.Errorf("malformed file: exit %d %s", code, stderr)
	}
	noVersion := dir + "/nov.conf"
	os.WriteFile(noVersion, []byte(`<cluster name="a"><clusternodes/></cluster>`), 0o644)
	code, _, stderr = run(t, "-f", noVersion, "addnode", "x")
	if code != exitError || !strings.Contains(stderr, "no valid config_version") {
		t.Errorf("file without config_version: exit %d %s", code, stderr)
	}
}

// TestConcurrentChangeDetected: a file changed between read and write is
// not overwritten.
func TestConcurrentChangeDetected(t *testing.T) {
	path, orig := baseFile(t)
	err := writeAtomic(path, []byte("new"), append([]byte("other "), orig...), true)
	if err == nil || !strings.Contains(err.Error(), "changed while clusconf was editing it") {
		t.Fatalf("writeAtomic over a changed file = %v", err)
	}
	if !bytes.Equal(readFile(t, path), orig) {
		t.Error("file overwritten")
	}
}
