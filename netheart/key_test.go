package netheart

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateAndLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authkey")
	if err := GenerateKey(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() != KeyLen {
		t.Fatalf("mode %v size %d, want 0600 and %d", fi.Mode(), fi.Size(), KeyLen)
	}
	key, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeyLen || bytes.Equal(key, make([]byte, KeyLen)) {
		t.Fatalf("key % x", key)
	}
	err = GenerateKey(path)
	if !errors.Is(err, ErrKeyExists) {
		t.Fatalf("second GenerateKey: %v, want ErrKeyExists", err)
	}
	again, _ := LoadKey(path)
	if !bytes.Equal(again, key) {
		t.Fatal("GenerateKey overwrote the key")
	}
}

func TestLoadKeyRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // WriteFile's mode is filtered by umask
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name     string
		path     string
		want     error
		mentions string
	}{
		{"missing", filepath.Join(dir, "nope"), os.ErrNotExist, "dd if=/dev/urandom of=" + filepath.Join(dir, "nope") + " bs=32 count=1; chmod 600"},
		{"short", write("short", make([]byte, MinKeyLen-1), 0o600), ErrKeyShort, "dd if=/dev/urandom"},
		{"long", write("long", make([]byte, MaxKeyLen+1), 0o600), ErrKeyLong, "bs=32"},
		{"world readable", write("world", make([]byte, 32), 0o644), ErrKeyMode, "chmod 600 " + filepath.Join(dir, "world")},
		{"group readable", write("group", make([]byte, 32), 0o640), ErrKeyMode, "chmod 600"},
		{"directory", dir, nil, "not a regular file"},
	}
	for _, c := range cases {
		_, err := LoadKey(c.path)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.mentions) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: %q does not name the file and %q", c.name, err, c.mentions)
		}
	}
	if _, err := LoadKey(write("min", make([]byte, MinKeyLen), 0o400)); err != nil {
		t.Errorf("16-byte read-only key: %v", err)
	}
}
