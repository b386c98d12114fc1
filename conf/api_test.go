package conf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, xml string) *Cluster {
	t.Helper()
	c, err := Parse("cluster.conf", []byte(xml))
	if err != nil {
		t.Fatalf("Parse failed:\n%v", err)
	}
	return c
}

func TestErrorFormat(t *testing.T) {
	e := &Error{File: "cluster.conf", Line: 42, Element: `<clusternode name="n3">`,
		Msg: "nodeid 3 is used twice (also line 37)", Fix: "give each node a unique nodeid"}
	want := `cluster.conf:42: <clusternode name="n3">: nodeid 3 is used twice (also line 37); give each node a unique nodeid`
	if got := e.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	bare := &Error{File: "f", Msg: "m"}
	if got := bare.Error(); got != "f: m" {
		t.Errorf("bare error = %q", got)
	}
	list := ErrorList{e, bare}
	if got := list.Error(); got != want+"\nf: m" {
		t.Errorf("list = %q", got)
	}
	var err error = &list
	var one *Error
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &one) || one != e {
		t.Errorf("errors.Is/As do not see through *ErrorList")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cluster.conf")
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil || c.Name != "c" {
		t.Fatalf("Load = %v, %v", c, err)
	}
	_, err = Load(filepath.Join(dir, "missing.conf"))
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrInvalid) {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("<cluster/>"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), path+":1: ") {
		t.Errorf("bad file error does not name the path: %v", err)
	}
}

// TestLines checks that each element gets the line of its start tag, with
// multi-line tags, comments, CDATA-free text and CRLF line ends.
func TestLines(t *testing.T) {
	xml := "<?xml version=\"1.0\"?>\r\n" + // 1
		"<!-- a\r\n comment -->\r\n" + // 2-3
		"<cluster name=\"c\"\r\n config_version=\"1\">\r\n" + // 4-5
		"  <quorumd label=\"q\">\r\n" + // 6
		"    <heuristic\r\n      program=\"true\"/>\r\n" + // 7-8
		"  </quorumd>\r\n" + // 9
		"  <clusternodes><clusternode name=\"n1\" nodeid=\"1\"/>\r\n" + // 10
		"    <clusternode\n\n name=\"n2\" nodeid=\"2\"/>\r\n" + // 11-13
		"  </clusternodes>\r\n</cluster>\r\n"
	c := mustParse(t, xml)
	got := []int{c.Quorumd.Line, c.Quorumd.Heuristics[0].Line, c.Nodes[0].Line, c.Nodes[1].Line}
	want := []int{6, 7, 10, 11}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("lines = %v; want %v", got, want)
			break
		}
	}
	_, err := Parse("x", []byte(strings.Replace(xml, `nodeid="2"`, `nodeid="1"`, 1)))
	if err == nil || !strings.Contains(err.Error(), "x:11: ") || !strings.Contains(err.Error(), "(also line 10)") {
		t.Errorf("duplicate nodeid error = %v", err)
	}
}

func TestByteOrderMarkAndASCII(t *testing.T) {
	c := mustParse(t, "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"US-ASCII\"?>\n"+base)
	if c.Nodes[0].Line != 5 || string(c.Raw[:3]) != "\xef\xbb\xbf" {
		t.Errorf("line %d, raw %q", c.Nodes[0].Line, c.Raw[:3])
	}
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, `<cluster name="c" config_version="3">
  <quorumd label="q"><heuristic program="true"/></quorumd>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
    <clusternode name="n2" nodeid="2" votes="2"/>
    <clusternode name="n3" nodeid="3" addr="10.0.0.3"/>
  </clusternodes>
  <rm><service name="s"/></rm>
</cluster>`)
	want := Totem{Token: 400 * time.Millisecond, Heartbeat: 100 * time.Millisecond, Keyfile: "/etc/cluster/authkey", SecAuth: true, Port: 5405}
	if c.Totem != want {
		t.Errorf("Totem = %+v; want %+v", c.Totem, want)
	}
	q := c.Quorumd
	if q.Interval != 100*time.Millisecond || q.TKO != 4 || q.TKOUp != 2 || q.Votes != 2 || q.MasterWins ||
		q.IOTimeout != q.Interval || q.LeaseTimeout != 600*time.Millisecond || q.MinScore != 0 {
		t.Errorf("Quorumd defaults = %+v", q)
	}
	if h := q.Heuristics[0]; h.Score != 1 || h.Interval != q.Interval || h.TKO != q.TKO {
		t.Errorf("Heuristic defaults = %+v", h)
	}
	if c.FenceDaemon != (FenceDaemon{PostJoinDelay: 6 * time.Second}) {
		t.Errorf("FenceDaemon = %+v", c.FenceDaemon)
	}
	if n := c.Nodes[0]; n.Votes != 1 || n.Addr != "n1:5405" || n.Addr2 != "" {
		t.Errorf("node defaults = %+v", n)
	}
	if a := c.Nodes[2].Addr; a != "10.0.0.3:5405" {
		t.Errorf("addr without port = %q", a)
	}
	s := c.RM.Services[0]
	if !s.Autostart || s.Exclusive || s.Recovery != "restart" || s.MaxRestarts != 0 || s.RestartExpire != 0 || s.Attrs == nil {
		t.Errorf("service defaults = %+v", s)
	}
	if c.ExpectedVotes() != 6 || c.QuorumVotes() != 4 {
		t.Errorf("votes: expected %d quorum %d; want 6 and 4", c.ExpectedVotes(), c.QuorumVotes())
	}
	if c.RM.StatusPollInterval != 10*time.Second {
		t.Errorf("StatusPollInterval = %v; want rgmanager's 10s", c.RM.StatusPollInterval)
	}
}

func TestStatusPollInterval(t *testing.T) {
	const head = `<cluster name="c" config_version="1"><quorumd label="q"/><clusternodes><clusternode name="n1" nodeid="1"/></clusternodes>`
	if c := mustParse(t, head+`</cluster>`); c.RM.StatusPollInterval != DefaultStatusPollInterval {
		t.Errorf("without <rm>: %v; want the default", c.RM.StatusPollInterval)
	}
	c := mustParse(t, head+`<rm status_poll_interval="2.5" log_level="7"/></cluster>`)
	if c.RM.StatusPollInterval != 2500*time.Millisecond || c.RM.Attrs["status_poll_interval"] != "" || c.RM.Attrs["log_level"] != "7" {
		t.Errorf("RM = %+v; want 2.5s typed and log_level kept", c.RM)
	}
	out, err := c.Marshal()
	if err != nil || !strings.Contains(string(out), `<rm status_poll_interval="2.5" log_level="7"/>`) {
		t.Errorf("Marshal = %v\n%s", err, out)
	}
}

func TestDerivedDefaultsFollowGivenValues(t *testing.T) {
	c := mustParse(t, `<cluster name="c" config_version="1">
  <totem token="1000" port="6000"/>
  <quorumd label="q" interval="0.5" tko="6"/>
  <clusternodes><clusternode name="n1" nodeid="1"/></clusternodes>
</cluster>`)
	if c.Totem.Heartbeat != 250*time.Millisecond {
		t.Errorf("Heartbeat = %v; want token/4", c.Totem.Heartbeat)
	}
	if c.Quorumd.IOTimeout != 500*time.Millisecond || c.Quorumd.LeaseTimeout != 4*time.Second {
		t.Errorf("IOTimeout %v LeaseTimeout %v; want 0.5s and 4s", c.Quorumd.IOTimeout, c.Quorumd.LeaseTimeout)
	}
	if c.Quorumd.Votes != 1 {
		t.Errorf("qdisk votes for 1 node = %d; want 1", c.Quorumd.Votes)
	}
	if c.Nodes[0].Addr != "n1:6000" {
		t.Errorf("Addr = %q; want the totem port", c.Nodes[0].Addr)
	}
}

func TestQuorumVotes(t *testing.T) {
	two := mustParse(t, `<cluster name="c" config_version="1">
  <cman two_node="1" expected_votes="1"/>
  <quorumd label="q"/>
  <clusternodes><clusternode name="a" nodeid="1"/><clusternode name="b" nodeid="2"/></clusternodes>
</cluster>`)
	if two.ExpectedVotes() != 1 || two.QuorumVotes() != 1 {
		t.Errorf("two_node: expected %d quorum %d; want 1 and 1", two.ExpectedVotes(), two.QuorumVotes())
	}
	set := mustParse(t, `<cluster name="c" config_version="1">
  <cman expected_votes="4"/>
  <quorumd label="q" votes="1"/>
  <clusternodes><clusternode name="a" nodeid="1"/><clusternode name="b" nodeid="2"/></clusternodes>
</cluster>`)
	if set.ExpectedVotes() != 4 || set.QuorumVotes() != 3 {
		t.Errorf("explicit: expected %d quorum %d; want 4 and 3", set.ExpectedVotes(), set.QuorumVotes())
	}
}

func TestLookups(t *testing.T) {
	c, err := Load("testdata/valid/full-rm.conf")
	if err != nil {
		t.Fatal(err)
	}
	if n := c.NodeByName("web1"); n == nil || n.ID != 3 {
		t.Errorf("NodeByName(web1) = %+v", n)
	}
	if n := c.NodeByID(2); n == nil || n.Name != "db2" {
		t.Errorf("NodeByID(2) = %+v", n)
	}
	if c.NodeByName("nope") != nil || c.NodeByID(9) != nil {
		t.Error("lookup of a missing node returned a node")
	}
	if s := c.ServiceByName("web"); s == nil || s.Domain != "webs" || s.Attrs["depend"] != "service:db" || s.Attrs["__independent_subtree"] != "1" {
		t.Errorf("ServiceByName(web) = %+v", s)
	}
	if d := c.DomainByName("dbs"); d == nil || !d.Ordered || d.Nodes[1].Priority != 2 {
		t.Errorf("DomainByName(dbs) = %+v", d)
	}
	db := c.ServiceByName("db")
	fsRef := db.Children[0]
	if fsRef.Ref != "pgdata" || fsRef.Key() != "pgdata" || fsRef.Children[0].Ref != "postgresql.service" {
		t.Errorf("db tree = %+v", db.Children)
	}
	if r := c.ResourceByRef("fs", "pgdata"); r == nil || r.Attrs["mountpoint"] != "/var/lib/postgresql" {
		t.Errorf("ResourceByRef(fs, pgdata) = %+v", r)
	}
	if r := c.ResourceByRef("systemd", "postgresql.service"); r == nil || r.Key() != "postgresql.service" {
		t.Errorf("systemd by unit = %+v", r)
	}
	if c.ResourceByRef("ip", "pgdata") != nil {
		t.Error("ResourceByRef matched across types")
	}
	batch := c.ServiceByName("batch").Children[0]
	if batch.Key() != "batch" {
		t.Errorf("systemd Key with name and unit = %q; want the name", batch.Key())
	}
	if f := c.FenceDeviceByName("x"); f != nil {
		t.Errorf("FenceDeviceByName(x) = %+v", f)
	}
}

func TestSystemdRefByName(t *testing.T) {
	c := mustParse(t, `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes><clusternode name="n1" nodeid="1"/></clusternodes>
  <rm>
    <resources><systemd name="pg" unit="postgresql.service"/></resources>
    <service name="a"><systemd ref="pg"/></service>
    <service name="b"><systemd ref="postgresql.service"/></service>
  </rm>
</cluster>`)
	if c.ResourceByRef("systemd", "pg") != c.ResourceByRef("systemd", "postgresql.service") {
		t.Error("systemd name and unit resolve to different resources")
	}
}

func TestLimits(t *testing.T) {
	big := make([]byte, MaxSize+1)
	if _, err := Parse("big", big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized input: %v", err)
	}
	deep := `<cluster name="c" config_version="1"><rm><service name="s">` +
		strings.Repeat(`<fs name="x">`, maxDepth) + strings.Repeat(`</fs>`, maxDepth) + `</service></rm></cluster>`
	if _, err := Parse("deep", []byte(deep)); err == nil || !strings.Contains(err.Error(), "nested more than 64 deep") {
		t.Errorf("deep input: %v", err)
	}
	var b strings.Builder
	b.WriteString(`<cluster name="c" config_version="1"><quorumd label="q"/><clusternodes>`)
	for range 2 * maxErrors {
		b.WriteString(`<clusternode name="n" nodeid="999"/>`)
	}
	b.WriteString(`</clusternodes></cluster>`)
	_, err := Parse("many", []byte(b.String()))
	var list *ErrorList
	if !errors.As(err, &list) || len(*list) != maxErrors+1 || !strings.Contains((*list)[maxErrors].Msg, "more problems not shown") {
		t.Errorf("error cap: %d errors", len(*list))
	}
}

func TestMarshalRefusesInvalid(t *testing.T) {
	c := mustParse(t, base)
	c.Nodes = append(c.Nodes, Node{Name: "n2", ID: 1, Votes: 1})
	if _, err := c.Marshal(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "nodeid 1 is used twice") {
		t.Errorf("Marshal of a duplicate nodeid: %v", err)
	}
	c = mustParse(t, base)
	c.FenceDevices = []FenceDevice{{Name: "f", Agent: "fence_x", Params: map[string]string{"name": "dup"}}}
	if _, err := c.Marshal(); err != nil {
		t.Errorf("Marshal must skip a name key in Params: %v", err)
	}
}

func TestMarshalEscapes(t *testing.T) {
	c := mustParse(t, base)
	c.FenceDevices = []FenceDevice{{Name: "f", Agent: "fence_x", Params: map[string]string{
		"passwd": `a"b<c>&d'` + "\t\n\r e"}}}
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back := mustParse(t, string(out))
	if got := back.FenceDevices[0].Params["passwd"]; got != c.FenceDevices[0].Params["passwd"] {
		t.Errorf("passwd round trip = %q\n%s", got, out)
	}
}
