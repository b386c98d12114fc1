package quorumdisk_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quorate/quorate/quorumdisk"
)

// These tests use a real file opened with O_DIRECT.

func confBytes(version int, extra string) []byte {
	return fmt.Appendf(nil, "<?xml version=\"1.0\"?>\n<cluster name=\"alpha\" config_version=\"%d\">%s</cluster>\n", version, extra)
}

func newConfigDisk(t *testing.T) (string, *quorumdisk.Disk) {
	t.Helper()
	path, _ := createFile(t, "qd1", "alpha")
	return path, openFile(t, path)
}

func mustWrite(t *testing.T, d *quorumdisk.Disk, rec quorumdisk.ConfigRecord) {
	t.Helper()
	if err := d.WriteConfig(rec); err != nil {
		t.Fatalf("WriteConfig v%d: %v", rec.Version, err)
	}
}

func mustRead(t *testing.T, d *quorumdisk.Disk) quorumdisk.ConfigRecord {
	t.Helper()
	rec, err := d.ReadConfig()
	if err != nil {
		t.Fatalf("ReadConfig: %v", err)
	}
	return rec
}

// spoil overwrites bytes of the device file behind the Disk's back.
func spoil(t *testing.T, path string, off int64, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigEmptyDisk(t *testing.T) {
	_, d := newConfigDisk(t)
	_, err := d.ReadConfig()
	if !errors.Is(err, quorumdisk.ErrNoConfig) || errors.Is(err, quorumdisk.ErrCorrupt) {
		t.Fatalf("ReadConfig on a fresh disk = %v, want ErrNoConfig and not ErrCorrupt", err)
	}
	if !strings.Contains(err.Error(), "mkqdisk -c") {
		t.Errorf("message does not say how to seed the area: %v", err)
	}
}

func TestConfigWriteReadAlternates(t *testing.T) {
	_, d := newConfigDisk(t)
	when := time.Date(2026, 3, 1, 12, 0, 0, 123, time.UTC)
	key := []byte("0123456789abcdef0123456789abcdef")
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 1, Data: confBytes(1, ""), Key: key, Writer: 2, Written: when})
	got := mustRead(t, d)
	if got.Version != 1 || !bytes.Equal(got.Data, confBytes(1, "")) || !bytes.Equal(got.Key, key) ||
		got.Writer != 2 || !got.Written.Equal(when) || got.Copy != 0 || got.Seq != 1 {
		t.Fatalf("read back %+v", got)
	}
	for _, step := range []struct{ version, copy int }{{2, 1}, {3, 0}, {4, 1}} {
		mustWrite(t, d, quorumdisk.ConfigRecord{Version: uint64(step.version), Data: confBytes(step.version, "<x/>"), Writer: 1})
		got := mustRead(t, d)
		if got.Version != uint64(step.version) || got.Copy != step.copy || got.Seq != uint64(step.version) {
			t.Fatalf("after writing v%d: version %d copy %d seq %d; want copy %d", step.version, got.Version, got.Copy, got.Seq, step.copy)
		}
		if !bytes.Equal(got.Key, key) {
			t.Fatalf("v%d written without a key lost the stored key: %q", step.version, got.Key)
		}
		if time.Since(got.Written) > time.Minute {
			t.Errorf("zero Written not set to now: %v", got.Written)
		}
	}
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 5, Data: confBytes(5, ""), RemoveKey: true})
	if got := mustRead(t, d); got.Key != nil {
		t.Errorf("RemoveKey kept key %q", got.Key)
	}
}

func TestConfigVersionNeverGoesBack(t *testing.T) {
	_, d := newConfigDisk(t)
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 7, Data: confBytes(7, ""), Writer: 3})
	for name, rec := range map[string]quorumdisk.ConfigRecord{
		"older":         {Version: 6, Data: confBytes(6, "")},
		"same, changed": {Version: 7, Data: confBytes(7, "<rm/>")},
		"same, new key": {Version: 7, Data: confBytes(7, ""), Key: []byte("0123456789abcdef")},
	} {
		err := d.WriteConfig(rec)
		if !errors.Is(err, quorumdisk.ErrConfigVersion) {
			t.Fatalf("%s: WriteConfig = %v, want ErrConfigVersion", name, err)
		}
		if !strings.Contains(err.Error(), "raise config_version above 7") || !strings.Contains(err.Error(), "by node 3") {
			t.Errorf("%s: message does not name the stored version and the fix: %v", name, err)
		}
	}
	if got := mustRead(t, d); got.Version != 7 || !bytes.Equal(got.Data, confBytes(7, "")) {
		t.Fatalf("a refused write changed the area: %+v", got)
	}
	// The identical configuration is accepted and lands in the other copy,
	// so both copies now hold it.
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 7, Data: confBytes(7, ""), Writer: 1})
	if got := mustRead(t, d); got.Version != 7 || got.Copy != 1 || got.Seq != 2 || got.Writer != 1 {
		t.Fatalf("identical rewrite: %+v", got)
	}
}

func TestConfigTornNewestFallsBack(t *testing.T) {
	path, d := newConfigDisk(t)
	big := bytes.Repeat([]byte("<!-- padding -->\n"), 700) // three data blocks
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 1, Data: confBytes(1, string(big))})
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 2, Data: confBytes(2, string(big))}) // copy B
	// A torn write of B's second data block (block 2 of the copy).
	spoil(t, path, quorumdisk.ConfigCopyOffset(1)+2*quorumdisk.BlockSize+1000, []byte("torn"))
	got := mustRead(t, d)
	if got.Version != 1 || got.Copy != 0 {
		t.Fatalf("with copy B torn, ReadConfig = v%d copy %d; want v1 from copy A", got.Version, got.Copy)
	}
	// v2 never counted: it may be written again, into the damaged copy.
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 2, Data: confBytes(2, "")})
	if got := mustRead(t, d); got.Version != 2 || got.Copy != 1 {
		t.Fatalf("rewrite of v2: v%d copy %d", got.Version, got.Copy)
	}
	// Now damage the header of the newest copy: A (v1) is returned again.
	spoil(t, path, quorumdisk.ConfigCopyOffset(1)+40, []byte{0xff})
	if got := mustRead(t, d); got.Version != 1 {
		t.Fatalf("with B's header damaged, ReadConfig = v%d, want v1", got.Version)
	}
	// Both damaged: ErrNoConfig that also names the damage.
	spoil(t, path, quorumdisk.ConfigCopyOffset(0)+40, []byte{0xff})
	_, err := d.ReadConfig()
	if !errors.Is(err, quorumdisk.ErrNoConfig) || !errors.Is(err, quorumdisk.ErrCorrupt) {
		t.Fatalf("both copies damaged: %v, want ErrNoConfig and ErrCorrupt", err)
	}
}

func TestConfigInterruptedWriteKeepsPrevious(t *testing.T) {
	path, d := newConfigDisk(t)
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 1, Data: confBytes(1, "")})
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 2, Data: confBytes(2, "")})
	// Write v3 the way WriteConfig does but stop before the header: the
	// data blocks of copy A are new, its header still the old v1.
	enc, err := quorumdisk.EncodeConfigCopy(quorumdisk.ConfigRecord{Version: 3, Data: confBytes(3, ""), Seq: 3, Copy: 0}, d.Header().UUID)
	if err != nil {
		t.Fatal(err)
	}
	spoil(t, path, quorumdisk.ConfigCopyOffset(0)+quorumdisk.BlockSize, enc[quorumdisk.BlockSize:])
	got := mustRead(t, d)
	if got.Version != 2 || got.Copy != 1 {
		t.Fatalf("after an interrupted write to A: v%d copy %d, want v2 from B", got.Version, got.Copy)
	}
	// Copy A alone is recognised as half-written.
	raw := make([]byte, quorumdisk.ConfigCopySize)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadAt(raw, quorumdisk.ConfigCopyOffset(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := quorumdisk.DecodeConfigCopy(raw, d.Header().UUID, 0); !errors.Is(err, quorumdisk.ErrConfigMismatch) {
		t.Fatalf("half-written copy A decodes with %v, want ErrConfigMismatch", err)
	}
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 3, Data: confBytes(3, "")})
	if got := mustRead(t, d); got.Version != 3 || got.Copy != 0 || got.Seq != 3 {
		t.Fatalf("v3 after the interruption: %+v", got)
	}
}

func TestConfigLimits(t *testing.T) {
	_, d := newConfigDisk(t)
	max := bytes.Repeat([]byte("x"), quorumdisk.MaxConfigSize)
	key := bytes.Repeat([]byte("k"), quorumdisk.MaxConfigKeySize)
	mustWrite(t, d, quorumdisk.ConfigRecord{Version: 1, Data: max, Key: key})
	if got := mustRead(t, d); !bytes.Equal(got.Data, max) || !bytes.Equal(got.Key, key) {
		t.Fatal("largest config and key do not read back")
	}
	for name, rec := range map[string]quorumdisk.ConfigRecord{
		"too large": {Version: 2, Data: append(max, 'x')},
		"long key":  {Version: 2, Data: []byte("x"), Key: append(key, 'k')},
		"version 0": {Version: 0, Data: []byte("x")},
		"empty":     {Version: 2},
		"writer":    {Version: 2, Data: []byte("x"), Writer: 257},
	} {
		if err := d.WriteConfig(rec); !errors.Is(err, quorumdisk.ErrInvalid) {
			t.Errorf("%s: WriteConfig = %v, want ErrInvalid", name, err)
		}
	}
	if quorumdisk.MaxConfigSize < 400<<10 {
		t.Errorf("MaxConfigSize %d is below the 400 KiB promised", quorumdisk.MaxConfigSize)
	}
}
