package conf

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that a refused file yields a
// non-empty *ErrorList, and that every accepted file round-trips through
// Marshal to an equal Cluster with a canonical (fixed-point) Marshal.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.conf")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, tc := range ruleCases {
		f.Add([]byte(tc.xml))
	}
	f.Add([]byte(`<cluster name="c" config_version="1"><quorumd label="q&#xA;&amp;&quot;"/><clusternodes><clusternode name="n1" nodeid="1" addr="[fe80::1%eth0]"/></clusternodes><fencedevices><fencedevice name="f" agent="a" x="&lt;&#9;&#xD;"/></fencedevices></cluster>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.conf", data)
		if err != nil {
			list, ok := err.(*ErrorList)
			if !ok || len(*list) == 0 || c != nil {
				t.Fatalf("refusal is %T %v with cluster %v", err, err, c)
			}
			for _, e := range *list {
				if e.Msg == "" || e.Line < 0 {
					t.Fatalf("incomplete error %+v", e)
				}
			}
			return
		}
		checkRoundTrip(t, c)
	})
}
