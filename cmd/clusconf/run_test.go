package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quorate/quorate/conf"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// baseFile copies testdata/base.conf (config_version 41) into a temp dir.
func baseFile(t *testing.T) (path string, orig []byte) {
	t.Helper()
	orig, err := os.ReadFile("testdata/base.conf")
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "cluster.conf")
	if err := os.WriteFile(path, orig, 0o640); err != nil {
		t.Fatal(err)
	}
	return path, orig
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustContain(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestUsage(t *testing.T) {
	cases := map[string][]string{
		"nothing":            {},
		"unknown command":    {"addnod", "x"},
		"bad global flag":    {"--nope", "validate"},
		"bad command flag":   {"addnode", "n4", "--nodeid", "x"},
		"addnode no name":    {"addnode"},
		"addnode two names":  {"addnode", "a", "b"},
		"fencedev no agent":  {"addfencedev", "x", "ipaddr=1"},
		"fencedev not kv":    {"addfencedev", "x", "agent=a", "junk"},
		"fencedev name kv":   {"addfencedev", "x", "agent=a", "name=y"},
		"domain no nodes":    {"addfailoverdomain", "d"},
		"domain bad prio":    {"addfailoverdomain", "d", "n1:high"},
		"resource bad type":  {"addresource", "vm", "name=x"},
		"resource no kv":     {"addresource", "fs"},
		"service bad arg":    {"addservice", "s", "junk"},
		"service bad nest":   {"addservice", "s", "+fs:pgdata"},
		"service empty spec": {"addservice", "s", "fs:"},
		"set nothing":        {"settotem"},
		"set not kv":         {"setcman", "two_node"},
		"show extra":         {"show", "x"},
		"sync no status":     {"sync"},
		"push extra":         {"push", "x"},
	}
	for name, args := range cases {
		code, stdout, stderr := run(t, append([]string{"-f", "/nonexistent/cluster.conf"}, args...)...)
		if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, "clusconf: ") || !strings.Contains(stderr, "usage: clusconf") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"addnode", "-h"}} {
		if code, stdout, _ := run(t, args...); code != exitOK || !strings.Contains(stdout, "addfailoverdomain NAME [--ordered]") {
			t.Errorf("%v: exit %d, %q", args, code, stdout)
		}
	}
}

// TestBuildFromScratch builds a cluster with commands only; the file is
// written while incomplete (with a note) and validates once complete.
func TestBuildFromScratch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.conf")
	steps := [][]string{
		{"create", "alpha"},
		{"addnode", "n1", "--nodeid", "1", "--addr", "10.0.0.1:5405"},
		{"addnode", "--addr", "10.0.0.2", "n2"},
		{"addnode", "n3", "--votes", "2", "--addr2", "192.168.0.3"},
		{"setquorumd", "label=alpha-qdisk", "interval=0.2"},
	}
	for i, args := range steps {
		code, stdout, stderr := run(t, append([]string{"-f", path}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		mustContain(t, "stdout", stdout, path+": ")
		if complete := i == len(steps)-1; complete == strings.Contains(stderr, "not complete yet") {
			t.Errorf("%v: incomplete note %v, want %v: %s", args, !complete, !complete, stderr)
		}
	}
	code, stdout, stderr := run(t, "-f", path, "validate")
	if code != exitOK || stdout != path+": valid (config_version 5, 3 nodes, 0 services)\n" {
		t.Fatalf("validate: exit %d, %q %q", code, stdout, stderr)
	}
	c, err := conf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.NodeByName("n2"); n == nil || n.ID != 2 || n.Addr != "10.0.0.2:5405" {
		t.Errorf("n2 = %+v, want the lowest free nodeid 2 and its addr", n)
	}
	if n := c.NodeByName("n3"); n == nil || n.Votes != 2 || n.Addr2 != "192.168.0.3:5405" {
		t.Errorf("n3 = %+v", n)
	}
	if c.Quorumd.Label != "alpha-qdisk" || c.Quorumd.Interval.Seconds() != 0.2 {
		t.Errorf("quorumd %+v", c.Quorumd)
	}
}

func TestCreateRefusesExistingAndCarriesVersion(t *testing.T) {
	path, orig := baseFile(t)
	code, _, stderr := run(t, "-f", path, "create", "other")
	if code != exitError || !strings.Contains(stderr, "already exists; pass --force") || !bytes.Equal(readFile(t, path), orig) {
		t.Fatalf("create over a file: exit %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "-f", path, "create", "other", "--force"); code != exitOK {
		t.Fatalf("create --force: exit %d %s", code, stderr)
	}
	mustContain(t, "replaced file", string(readFile(t, path)), `<cluster name="other" config_version="42">`)
	if !bytes.Equal(readFile(t, path+".bak"), orig) {
		t.Error("create --force did not keep the old file as .bak")
	}
}
