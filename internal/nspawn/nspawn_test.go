package nspawn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScriptsBesideThePackage(t *testing.T) {
	for _, s := range []string{"rootfs.sh", "systemd.sh"} {
		st, err := os.Stat(filepath.Join(dir(), s))
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s: %v (mode %v); want an executable script", s, err, st.Mode())
		}
	}
}

func TestCache(t *testing.T) {
	d := t.TempDir()
	t.Setenv("QUORATE_TEST_CACHE", d)
	if Cache() != d {
		t.Errorf("Cache() = %q with QUORATE_TEST_CACHE=%s", Cache(), d)
	}
	c, err := New("n1")
	if err != nil || c.Units != filepath.Join(d, "sd/n1/units") {
		t.Fatalf("New: %+v, %v; want units at %s/sd/n1/units", c, err, d)
	}
	if st, err := os.Stat(c.Units); err != nil || !st.IsDir() {
		t.Errorf("New did not create %s: %v", c.Units, err)
	}
}

func TestTail(t *testing.T) {
	long := strings.Repeat("a", 3000) + "END"
	if got := Tail([]byte(long)); len(got) > 2010 || !strings.HasSuffix(got, "END") {
		t.Errorf("Tail kept %d bytes, ending %q", len(got), got[len(got)-3:])
	}
	if got := Tail([]byte("  short\n")); got != "short" {
		t.Errorf("Tail(short) = %q", got)
	}
}
