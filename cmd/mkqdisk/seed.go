package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/quorate/quorate/conf"
	"github.com/quorate/quorate/netheart"
	"github.com/quorate/quorate/quorumdisk"
)

// seed is what --config and --keyfile put in the config area.
type seed struct {
	path string
	rec  quorumdisk.ConfigRecord
	name string // the cluster's name in the file
}

// loadSeed reads and checks --config and --keyfile before anything is
// written: the file must be a valid cluster.conf that names this disk's
// label (if it names one) and cluster, and fit the config area.
func loadSeed(o *options) (*seed, error) {
	if o.config == "" {
		return nil, nil
	}
	data, err := os.ReadFile(o.config)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	c, err := conf.Parse(o.config, data)
	var list *conf.ErrorList
	if errors.As(err, &list) {
		return nil, fmt.Errorf("--config %s is not a valid cluster.conf; nothing was written. Fix these first (clusconf validate %s):\n%v",
			o.config, o.config, list)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case len(data) > quorumdisk.MaxConfigSize:
		return nil, fmt.Errorf("--config %s is %d bytes; the config area holds at most %d", o.config, len(data), quorumdisk.MaxConfigSize)
	case c.Quorumd.Label != "" && c.Quorumd.Label != o.label:
		return nil, usageErrorf("--config %s names the quorum disk label %q but -l is %q; the nodes would not find this disk",
			o.config, c.Quorumd.Label, o.label)
	case o.cluster != "" && o.cluster != c.Name:
		return nil, usageErrorf("--config %s is for cluster %q but --cluster is %q", o.config, c.Name, o.cluster)
	}
	s := &seed{path: o.config, name: c.Name, rec: quorumdisk.ConfigRecord{Version: c.ConfigVersion, Data: data}}
	if o.keyfile != "" {
		if s.rec.Key, err = netheart.LoadKey(o.keyfile); err != nil {
			return nil, fmt.Errorf("--keyfile: %w", err)
		}
	}
	return s, nil
}

// store writes the seed into the config area of the new disk.
func (c *cli) store(device string, s *seed) error {
	d, err := quorumdisk.Open(device, ioTimeout, c.log)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.WriteConfig(s.rec); err != nil {
		return fmt.Errorf("store %s in the config area of %s: %w", s.path, device, err)
	}
	key := ""
	if len(s.rec.Key) > 0 {
		key = " and the cluster key (readable by anyone who can read the disk; protect it like the key file)"
	}
	fmt.Fprintf(c.stdout, "mkqdisk: stored %s (config_version %d, %d bytes)%s in the config area\n",
		s.path, s.rec.Version, len(s.rec.Data), key)
	return nil
}
