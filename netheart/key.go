package netheart

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Key sizes.
const (
	MinKeyLen = 16   // shortest key LoadKey accepts
	MaxKeyLen = 4096 // longest key LoadKey accepts
	KeyLen    = 32   // size of a key made by GenerateKey
)

// LoadKey reads the cluster key from path: the raw bytes of the file, 16 to
// 4096 of them. It refuses a file its group or other users can read or
// write (ErrKeyMode), like ssh refuses such a private key. Every error
// names the file and the fix.
func LoadKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cluster key %s: %w; create one on one node with: %s, and copy it to every node",
			path, err, keygenHint(path))
	}
	defer f.Close()
	if err := checkKeyFile(f, path); err != nil {
		return nil, err
	}
	key, err := io.ReadAll(io.LimitReader(f, MaxKeyLen+1))
	if err != nil {
		return nil, fmt.Errorf("cluster key %s: %w", path, err)
	}
	switch {
	case len(key) < MinKeyLen:
		return nil, fmt.Errorf("%w: %s holds %d bytes, at least %d are needed; make a new one with: %s, and copy it to every node",
			ErrKeyShort, path, len(key), MinKeyLen, keygenHint(path))
	case len(key) > MaxKeyLen:
		return nil, fmt.Errorf("%w: %s holds more than %d bytes; is it the right file? make a key with: %s",
			ErrKeyLong, path, MaxKeyLen, keygenHint(path))
	}
	return key, nil
}

func checkKeyFile(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cluster key %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("cluster key %s: not a regular file (%v); make a key with: %s", path, fi.Mode().Type(), keygenHint(path))
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, so other users can read it and forge heartbeats; fix with: chmod 600 %s",
			ErrKeyMode, path, perm, path)
	}
	return nil
}

func keygenHint(path string) string {
	return fmt.Sprintf("dd if=/dev/urandom of=%s bs=%d count=1; chmod 600 %s", path, KeyLen, path)
}

// GenerateKey writes a new key of KeyLen random bytes to path with mode
// 0600. It refuses to overwrite an existing file (ErrKeyExists): every
// node must share the same key.
func GenerateKey(path string) error {
	key := make([]byte, KeyLen)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("cluster key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s; every node must use the same key, so copy this one to new nodes, or remove it first to replace the key on all nodes",
			ErrKeyExists, path)
	}
	if err != nil {
		return fmt.Errorf("cluster key %s: %w", path, err)
	}
	if err := writeKey(f, key); err != nil {
		os.Remove(path)
		return fmt.Errorf("cluster key %s: %w", path, err)
	}
	return nil
}

func writeKey(f *os.File, key []byte) error {
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(key)
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
