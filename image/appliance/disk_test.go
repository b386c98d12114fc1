package appliance

import (
	"errors"
	"strings"
	"testing"

	"github.com/quorate/quorate/quorumdisk"
)

func TestChoose(t *testing.T) {
	good := quorumdisk.Found{Device: "/dev/vdb", Header: header("labqd", "lab", 1)}
	other := quorumdisk.Found{Device: "/dev/vda", Header: header("otherqd", "prod", 2)}
	damaged := quorumdisk.Found{Device: "/dev/sdc", Header: header("labqd", "lab", 3), Err: quorumdisk.ErrChecksum}
	p := Params{Label: "labqd"}

	got, err := Choose([]quorumdisk.Found{other, damaged, good}, p)
	if err != nil || got.Device != "/dev/vdb" {
		t.Fatalf("Choose = %v, %v", got.Device, err)
	}

	_, err = Choose([]quorumdisk.Found{other, damaged}, p)
	if !errors.Is(err, ErrNoDisk) {
		t.Fatalf("no good disk: %v", err)
	}
	for _, want := range []string{`/dev/vda: label "otherqd" cluster "prod"`, "/dev/sdc: unusable header", "mkqdisk -c DEVICE -l labqd"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if _, err := Choose(nil, p); !errors.Is(err, ErrNoDisk) || !strings.Contains(err.Error(), "no block device holds any quorum disk") {
		t.Fatalf("empty scan: %v", err)
	}

	twin := quorumdisk.Found{Device: "/dev/vdc", Header: header("labqd", "lab", 4)}
	if _, err := Choose([]quorumdisk.Found{good, twin}, p); !errors.Is(err, ErrAmbiguous) ||
		!strings.Contains(err.Error(), "/dev/vdb") || !strings.Contains(err.Error(), "/dev/vdc") {
		t.Fatalf("two disks: %v", err)
	}

	p.Cluster = "prod"
	if _, err := Choose([]quorumdisk.Found{good}, p); !errors.Is(err, ErrForeign) {
		t.Fatalf("foreign stamp: %v", err)
	}
	unstamped := quorumdisk.Found{Device: "/dev/vdb", Header: header("labqd", "", 1)}
	if _, err := Choose([]quorumdisk.Found{unstamped}, p); err != nil {
		t.Fatalf("an unstamped disk is checked through its configuration, not refused here: %v", err)
	}
}

func TestCheck(t *testing.T) {
	disk := quorumdisk.Found{Device: "/dev/vdb", Header: header("labqd", "lab", 1)}
	key := []byte("0123456789abcdef0123456789abcdef")
	rec := func(data []byte, key []byte) quorumdisk.ConfigRecord {
		return quorumdisk.ConfigRecord{Version: 3, Data: data, Key: key}
	}
	cfg, err := Check(disk, rec(testConf("lab", 3, ""), key), Params{Label: "labqd", Cluster: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Cluster.Name != "lab" || string(cfg.Key) != string(key) || len(cfg.Cluster.Nodes) != 3 {
		t.Fatalf("config %+v", cfg)
	}
	cases := []struct {
		name   string
		disk   quorumdisk.Found
		rec    quorumdisk.ConfigRecord
		p      Params
		target error
		text   string
	}{
		{"invalid xml", disk, rec([]byte("<cluster"), key), Params{Label: "labqd"}, ErrBadConfig, "store a valid one"},
		{"stamp differs", disk, rec(testConf("prod", 3, ""), key), Params{Label: "labqd"}, ErrForeign, `stamped for cluster "lab"`},
		{"cmdline cluster", quorumdisk.Found{Device: "/dev/vdb", Header: header("labqd", "", 1)},
			rec(testConf("lab", 3, ""), key), Params{Label: "labqd", Cluster: "prod"}, ErrForeign, "quorate.cluster="},
		{"other label", disk, rec(testConf("lab", 3, `<quorumd label="elsewhere"/>`), key), Params{Label: "labqd"}, ErrForeign, `labelled "elsewhere"`},
		{"device path", disk, rec(testConf("lab", 3, `<quorumd device="/dev/sda"/>`), key), Params{Label: "labqd"}, ErrBadConfig, "device="},
		{"no key", disk, rec(testConf("lab", 3, ""), nil), Params{Label: "labqd"}, ErrBadConfig, "--keyfile"},
	}
	for _, c := range cases {
		_, err := Check(c.disk, c.rec, c.p)
		if !errors.Is(err, c.target) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v (want %v mentioning %q)", c.name, err, c.target, c.text)
		}
	}
	if _, err := Check(disk, rec(testConf("lab", 3, `<totem secauth="off"/>`), nil), Params{Label: "labqd"}); err != nil {
		t.Errorf("secauth off without key: %v", err)
	}
}
