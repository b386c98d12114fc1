package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// writeAtomic replaces path with data. The previous contents (prev, when
// existed) go to path.bak first; both files are written to a temporary
// file in the same directory, synced and renamed into place, so a crash
// leaves either the old or the new file, never a mix. Mode and owner of
// the previous file are kept. If path changed since prev was read,
// nothing is written.
func writeAtomic(path string, data, prev []byte, existed bool) error {
	mode, uid, gid := os.FileMode(0o644), -1, -1
	if existed {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		mode = fi.Mode().Perm()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
		cur, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, prev) {
			return fmt.Errorf("%s changed while clusconf was editing it; nothing written, run the command again", path)
		}
		if err := replaceFile(path+".bak", prev, mode, uid, gid); err != nil {
			return fmt.Errorf("keep the previous version: %w", err)
		}
	} else if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s appeared while clusconf was creating it; nothing written", path)
	}
	if err := replaceFile(path, data, mode, uid, gid); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// replaceFile writes data to a temporary file next to path and renames
// it over path.
func replaceFile(path string, data []byte, mode os.FileMode, uid, gid int) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil && uid >= 0 {
		if cerr := f.Chown(uid, gid); cerr != nil && !errors.Is(cerr, os.ErrPermission) {
			err = cerr
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	return os.Rename(tmp, path)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
