package qdtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ncw/directio"
)

// DirectIODir returns a directory whose file system supports O_DIRECT:
// t.TempDir() when it does, else a fresh directory under /var/tmp that is
// removed at the end of the test. It skips the test, saying why, when
// neither does.
func DirectIODir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	err := probeDirectIO(dir)
	if err == nil {
		return dir
	}
	alt, err2 := os.MkdirTemp("/var/tmp", "qdtest-")
	if err2 != nil {
		t.Skipf("O_DIRECT unsupported in %s (%v) and no /var/tmp directory (%v)", dir, err, err2)
	}
	t.Cleanup(func() { os.RemoveAll(alt) })
	if err2 = probeDirectIO(alt); err2 != nil {
		t.Skipf("O_DIRECT unsupported in %s (%v) and in %s (%v)", dir, err, alt, err2)
	}
	return alt
}

func probeDirectIO(dir string) error {
	name := filepath.Join(dir, ".directio-probe")
	defer os.Remove(name)
	f, err := directio.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(directio.AlignedBlock(4096), 0)
	return err
}

// NewDeviceFile creates a zero-filled file of size bytes in DirectIODir and
// returns its path.
func NewDeviceFile(t testing.TB, size int64) string {
	t.Helper()
	path := filepath.Join(DirectIODir(t), "qdisk.img")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return path
}
