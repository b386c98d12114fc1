package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quorate/quorate/conf"
)

// corpusDir is conf's corpus of example files and golden messages.
const corpusDir = "../../conf/testdata"

func corpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, dir, "*.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s/%s: %v", corpusDir, dir, err)
	}
	return files
}

// TestValidateInvalidCorpus: clusconf validate prints exactly conf's
// golden messages (the .err files) and exits 1.
func TestValidateInvalidCorpus(t *testing.T) {
	for _, path := range corpusFiles(t, "invalid") {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(path, ".conf") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			t.Chdir(filepath.Dir(path))
			code, stdout, stderr := run(t, "validate", name)
			if code != exitError || stdout != "" || stderr != string(want) {
				t.Errorf("exit %d, stdout %q\nstderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
			}
		})
	}
}

func TestValidateValidCorpus(t *testing.T) {
	for _, path := range corpusFiles(t, "valid") {
		c, err := conf.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := run(t, "-f", path, "validate")
		want := path + ": valid (config_version " + itoa(c.ConfigVersion) + ", " + itoa(uint64(len(c.Nodes))) + " nodes, " +
			itoa(uint64(len(c.RM.Services))) + " services)\n"
		if code != exitOK || stdout != want || stderr != "" {
			t.Errorf("%s: exit %d, %q %q; want %q", path, code, stdout, stderr, want)
		}
	}
	if code, _, stderr := run(t, "validate", "/nonexistent/cluster.conf"); code != exitError || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: exit %d %s", code, stderr)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// TestTreeKeepsMeaning: loading a file into the XML tree and writing it
// back changes neither its meaning nor its comments, for every example.
func TestTreeKeepsMeaning(t *testing.T) {
	files := append(corpusFiles(t, "valid"), "testdata/base.conf")
	for _, path := range files {
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parseXML(orig)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out := doc.bytes()
		a, errA := conf.Parse(path, orig)
		b, errB := conf.Parse(path, out)
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v\n%s", path, errA, errB, out)
		}
		ma, _ := a.Marshal()
		mb, _ := b.Marshal()
		if !bytes.Equal(ma, mb) {
			t.Errorf("%s: meaning changed:\n%s\nvs\n%s", path, ma, mb)
		}
		for _, line := range strings.Split(string(orig), "\n") {
			if strings.Contains(line, "<!--") && !strings.Contains(string(out), strings.TrimSpace(line)) {
				t.Errorf("%s: comment %q lost", path, line)
			}
		}
		again, err := parseXML(out)
		if err != nil || !bytes.Equal(again.bytes(), out) {
			t.Errorf("%s: writing the tree is not a fixed point", path)
		}
	}
}

func TestShow(t *testing.T) {
	path, _ := baseFile(t)
	code, stdout, stderr := run(t, "-f", path, "show")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d %s", code, stderr)
	}
	mustContain(t, "show", stdout,
		"cluster prod, config_version 41\n",
		"quorum: expected votes 5, quorum 3 (nodes 3 votes, quorum disk 2)\n",
		"totem: token 800ms, hb_interval 200ms, port 5405, secauth on, keyfile /etc/cluster/authkey\n",
		"lease_timeout 700ms", // derived: interval × (tko+2)
		"db1   1      10.1.0.1:5405",
		"power: ipmi-db1",
		"passwd=(hidden)",
		"dbs: ordered, restricted; db1 (1), db2 (2)",
		"db: domain dbs, recovery relocate, autostart 1",
		"    fs ref pgdata\n      systemd postgresql.service\n",
	)
	if strings.Contains(stdout, "secret") {
		t.Error("show prints the fence password")
	}
	code, stdout, _ = run(t, "-f", path, "show", "--xml")
	c, err := conf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := c.Marshal()
	if code != exitOK || stdout != string(want) {
		t.Errorf("show --xml: exit %d\n%s\nwant\n%s", code, stdout, want)
	}
	os.WriteFile(path, []byte(`<cluster name="a" config_version="1"><totm/></cluster>`), 0o644)
	if code, _, stderr := run(t, "-f", path, "show"); code != exitError || !strings.Contains(stderr, "did you mean <totem>?") {
		t.Errorf("show of an invalid file: exit %d %s", code, stderr)
	}
}

func TestDiff(t *testing.T) {
	path, _ := baseFile(t)
	if code, _, stderr := run(t, "-f", path, "settotem", "token=1000"); code != exitOK {
		t.Fatal(stderr)
	}
	code, stdout, _ := run(t, "-f", path, "diff")
	want := "--- " + path + ".bak\n+++ " + path + "\n@@ -1,7 +1,7 @@\n" +
		" <?xml version=\"1.0\"?>\n" +
		" <!-- Test cluster: keep this comment. -->\n" +
		"-<cluster name=\"prod\" config_version=\"41\">\n" +
		"-  <totem token=\"800\"/>\n" +
		"+<cluster name=\"prod\" config_version=\"42\">\n" +
		"+  <totem token=\"1000\"/>\n" +
		"   <quorumd label=\"prod-qdisk\" tko=\"5\"/>\n" +
		"   <clusternodes>\n" +
		"     <clusternode name=\"db1\" nodeid=\"1\" addr=\"10.1.0.1\">\n"
	if code != exitOK || stdout != want {
		t.Errorf("diff: exit %d\n%s\nwant\n%s", code, stdout, want)
	}
	// --canonical ignores layout and comments: a reformatted copy of the
	// same configuration shows no difference.
	copyPath := path + ".copy"
	c, _ := conf.Load(path)
	m, _ := c.Marshal()
	os.WriteFile(copyPath, m, 0o644)
	if code, stdout, stderr := run(t, "-f", path, "diff", "--canonical", copyPath); code != exitOK || stdout != "" {
		t.Errorf("diff --canonical of equal configs: exit %d %q %s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, "-f", path, "diff", copyPath); code != exitOK || !strings.Contains(stdout, "+<!-- Test cluster: keep this comment. -->") {
		t.Errorf("plain diff of reformatted copy shows nothing: %q", stdout)
	}
}
