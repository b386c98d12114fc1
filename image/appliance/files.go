package appliance

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultConfPath is where the appliance writes cluster.conf for quorated.
const DefaultConfPath = "/etc/cluster/cluster.conf"

// WriteFiles writes cfg's cluster.conf to root+confPath (mode 0644) and
// its key, if any, to root+<totem keyfile> (mode 0600), each atomically
// (a temporary file renamed over the old one). root is "" on the
// appliance and a temporary directory in tests.
func WriteFiles(root, confPath string, cfg *Config) error {
	if err := writeAtomic(filepath.Join(root, confPath), cfg.Raw, 0o644); err != nil {
		return err
	}
	if len(cfg.Key) == 0 {
		return nil
	}
	return writeAtomic(filepath.Join(root, cfg.Cluster.Totem.Keyfile), cfg.Key, 0o600)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
