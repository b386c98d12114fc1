package conf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// scsiConf is a two-node cluster whose nodes are fenced with fence_scsi;
// dev is the <fencedevice> element, ref1 and ref2 the attributes of the
// nodes' <device> references.
func scsiConf(dev, ref1, ref2 string) string {
	return `<cluster name="alpha" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1">
      <fence><method name="scsi"><device name="san" ` + ref1 + `/></method></fence>
      <unfence><device name="san" ` + ref1 + `/></unfence>
    </clusternode>
    <clusternode name="n2" nodeid="2">
      <fence><method name="scsi"><device name="san" ` + ref2 + `/></method></fence>
    </clusternode>
  </clusternodes>
  <fencedevices>
    ` + dev + `
  </fencedevices>
</cluster>`
}

func TestFenceSCSIRules(t *testing.T) {
	for _, tc := range []struct {
		name, dev, ref1, ref2 string
		want                  []string // substrings, one error each, in order
	}{
		{"valid", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb, /dev/sdc" check_interval="2"/>`, ``, ``, nil},
		{"devices on the references", `<fencedevice name="san" agent="fence_scsi"/>`, `devices="/dev/sdb"`, `devices="/dev/sdb"`, nil},
		{"explicit distinct keys", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb"/>`, `key="0xa1"`, `key="A2"`, nil},
		{"devices missing", `<fencedevice name="san" agent="fence_scsi"/>`, ``, `devices="/dev/sdb"`, []string{
			`cluster.conf:5: <device name="san">: fence_scsi device "san" has no devices= (the shared LUNs whose reservation keys it fences); add devices="/dev/..." to <fencedevice name="san"> (line 13) or to this <device>`,
			`cluster.conf:6: <device name="san">: fence_scsi device "san" has no devices=`,
		}},
		{"relative and duplicate paths", `<fencedevice name="san" agent="fence_scsi" devices="sdb"/>`, `devices="/dev/sdb,/dev/sdb"`, ``, []string{
			`cluster.conf:5: <device name="san">: fence_scsi device /dev/sdb is listed twice; list the shared LUNs as absolute paths`,
			`cluster.conf:6: <device name="san">: fence_scsi device /dev/sdb is listed twice`,
			`cluster.conf:13: <fencedevice name="san">: fence_scsi device "sdb" is not an absolute, clean path`,
		}},
		{"empty entry", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb,"/>`, ``, ``, []string{`devices="/dev/sdb," has an empty entry`}},
		{"key zero and junk", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb"/>`, `key="0"`, `key="xyz"`, []string{
			`cluster.conf:5: <device name="san">: fence_scsi key="0" is 0, which a target reads as no key at all; write a nonzero hex key`,
			`cluster.conf:6: <device name="san">: fence_scsi key="0" is 0`,
			`cluster.conf:9: <device name="san">: fence_scsi key="xyz" is not a hex number`,
		}},
		{"shared key on the fencedevice", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb" key="1"/>`, ``, ``, []string{
			`cluster.conf:9: <device name="san">: nodes n1 and n2 both get reservation key 1; give each node its own key= on its <device>`,
		}},
		{"explicit key equal to a derived one", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb"/>`, ``, `key="` + derived(t, 1) + `"`, []string{
			`nodes n1 and n2 both get reservation key ` + derived(t, 1),
		}},
		{"native=0", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb" native="0"/>`, ``, ``, []string{
			`cluster.conf:13: <fencedevice name="san">: fence_scsi with native="0": quorated always runs fence_scsi itself`,
		}},
		{"key_value=hash", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb" key_value="hash"/>`, ``, ``, []string{
			`fence_scsi key_value="hash" is not supported`,
		}},
		{"check_interval", `<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb" check_interval="0"/>`, ``, ``, []string{
			`cluster.conf:13: <fencedevice name="san">: check_interval="0" is not a number of seconds above 0 and at most 3600; write check_interval="2"`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("cluster.conf", []byte(scsiConf(tc.dev, tc.ref1, tc.ref2)))
			var got []string
			var el *ErrorList
			if errors.As(err, &el) {
				for _, e := range *el {
					got = append(got, e.Error())
				}
			} else if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("error %d:\n got %s\nwant %s", i, got[i], w)
				}
			}
		})
	}
}

func derived(t *testing.T, id int) string {
	k, err := DefaultSCSIKey("alpha", id)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", k)
}

func TestSCSIKeys(t *testing.T) {
	c, err := Parse("cluster.conf", []byte(scsiConf(`<fencedevice name="san" agent="fence_scsi" devices="/dev/sdb"/>`, `key="0xBEEF"`, ``)))
	if err != nil {
		t.Fatal(err)
	}
	dev := c.FenceDeviceByName("san")
	k1, err1 := SCSIRefKey(c, &c.Nodes[0], dev, c.Nodes[0].Unfence[0])
	k2, err2 := SCSIRefKey(c, &c.Nodes[1], dev, c.Nodes[1].Fence[0].Devices[0])
	// md5("alpha") starts with 2c17.
	if err1 != nil || err2 != nil || k1 != 0xbeef || k2 != 0x2c170002 {
		t.Errorf("keys = %x (%v), %x (%v); want beef and 2c170002", k1, err1, k2, err2)
	}
	if _, err := DefaultSCSIKey("alpha", 10000); err == nil {
		t.Error("node id 10000 formed a key")
	}
	if got := len(NodeDeviceRefs(&c.Nodes[0])); got != 2 {
		t.Errorf("n1 has %d device references, want 2 (method and unfence)", got)
	}
	q := Quorumd{Interval: 200 * time.Millisecond, TKO: 10}
	if d := SCSICheckInterval(q); d != 2*time.Second {
		t.Errorf("derived check interval = %v, want 2s (interval × tko)", d)
	}
	if d := SCSICheckInterval(Quorumd{Interval: 100 * time.Millisecond, TKO: 4}); d != time.Second {
		t.Errorf("derived check interval = %v, want the 1s floor", d)
	}
}

// FuzzSCSIParams: whatever ParseSCSIDevices and ParseSCSIKey accept
// survives a round trip through their canonical spelling.
func FuzzSCSIParams(f *testing.F) {
	for _, s := range []string{"/dev/sdb", "/dev/sdb, /dev/sdc", "/dev/disk/by-id/wwn-0x5000c5", "sdb", "/dev//sdb", "", ",", "8e2e0001", "0x0", "0XfFfFfFfFfFfFfFfF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if devs, err := ParseSCSIDevices(s); err == nil {
			again, err := ParseSCSIDevices(strings.Join(devs, ","))
			if err != nil || strings.Join(again, ",") != strings.Join(devs, ",") {
				t.Fatalf("devices %q -> %q -> %q, %v", s, devs, again, err)
			}
		}
		if k, err := ParseSCSIKey(s); err == nil {
			if k == 0 {
				t.Fatalf("key %q parsed as 0", s)
			}
			again, err := ParseSCSIKey(fmt.Sprintf("0x%x", k))
			if err != nil || again != k {
				t.Fatalf("key %q -> %x -> %x, %v", s, k, again, err)
			}
		}
	})
}
