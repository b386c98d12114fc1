package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/quorumdisk"
)

const seedConf = `<?xml version="1.0"?>
<cluster name="alpha" config_version="7">
  <quorumd label="qd1"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
    <clusternode name="n2" nodeid="2"/>
  </clusternodes>
</cluster>
`

func writeTemp(t *testing.T, name, data string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCreateWithConfigAndKey(t *testing.T) {
	dev := newDevice(t)
	cfg := writeTemp(t, "cluster.conf", seedConf, 0o644)
	key := writeTemp(t, "authkey", "0123456789abcdef0123456789abcdef", 0o600)
	code, stdout, stderr := run(t, "-c", dev, "-l", "qd1", "--config", cfg, "--keyfile", key)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	wantOutput(t, "mkqdisk -c --config", stdout, "\tCluster:        alpha\n",
		"mkqdisk: stored "+cfg+" (config_version 7, ", "and the cluster key")
	d, err := quorumdisk.Open(dev, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rec, err := d.ReadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != 7 || string(rec.Data) != seedConf || string(rec.Key) != "0123456789abcdef0123456789abcdef" || rec.Writer != 0 {
		t.Errorf("config area holds %+v", rec)
	}
}

func TestCreateRefusesBadConfig(t *testing.T) {
	dev := newDevice(t)
	zero, _ := os.ReadFile(dev)
	bad := writeTemp(t, "bad.conf", strings.Replace(seedConf, `nodeid="2"`, `nodeid="1"`, 1), 0o644)
	good := writeTemp(t, "good.conf", seedConf, 0o644)
	openKey := writeTemp(t, "authkey", "0123456789abcdef0123456789abcdef", 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--config", bad}, 1, bad + ":6: <clusternode name=\"n2\">: nodeid 1 is used twice (also line 5)"},
		{[]string{"--config", good, "-l", "other"}, 2, `names the quorum disk label "qd1" but -l is "other"`},
		{[]string{"--config", good, "--cluster", "beta"}, 2, `is for cluster "alpha" but --cluster is "beta"`},
		{[]string{"--config", good, "--keyfile", openKey}, 1, "chmod 600"},
		{[]string{"--config", filepath.Join(t.TempDir(), "none.conf")}, 1, "no such file"},
	}
	for _, tc := range cases {
		args := append([]string{"-c", dev, "-l", "qd1"}, tc.args...)
		code, _, stderr := run(t, args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
	if now, _ := os.ReadFile(dev); !bytes.Equal(now, zero) {
		t.Error("a refused --config still wrote to the device")
	}
	for _, args := range [][]string{{"-L", "--config", good}, {"-c", dev, "-l", "qd1", "--keyfile", openKey}} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want usage error 2", args, code)
		}
	}
}
