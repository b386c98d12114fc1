package appliance

import (
	"errors"
	"fmt"

	"github.com/quorate/quorate/conf"
	"github.com/quorate/quorate/quorumdisk"
)

// ErrBadConfig: the configuration stored on the quorum disk cannot be used
// by this appliance.
var ErrBadConfig = errors.New("unusable configuration on the quorum disk")

// Config is a checked configuration read from a quorum disk.
type Config struct {
	Cluster *conf.Cluster
	Raw     []byte // cluster.conf exactly as stored
	Key     []byte // the cluster key; nil when secauth is off and none is stored
}

// Check parses the configuration read from disk f and checks that it fits
// the disk and the parameters: the cluster name matches the disk's stamp
// and p.Cluster (else ErrForeign), <quorumd> names the disk by this very
// label and no device path (so quorated opens the disk this node
// recognised), and a key is present unless secauth is off (else
// ErrBadConfig). Messages name the disk and the fix.
func Check(f quorumdisk.Found, rec quorumdisk.ConfigRecord, p Params) (*Config, error) {
	name := fmt.Sprintf("cluster.conf (version %d on quorum disk %s)", rec.Version, f.Device)
	c, err := conf.Parse(name, rec.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w; store a valid one with clusconf or mkqdisk --config", ErrBadConfig, err)
	}
	if h := f.Header.Cluster; h != "" && h != c.Name {
		return nil, fmt.Errorf("%w: %s is stamped for cluster %q but its configuration is for cluster %q; "+
			"re-seed it with mkqdisk --config", ErrForeign, f.Device, h, c.Name)
	}
	if p.Cluster != "" && c.Name != p.Cluster {
		return nil, fmt.Errorf("%w: the configuration on %s is for cluster %q, this node is for cluster %q (quorate.cluster=)",
			ErrForeign, f.Device, c.Name, p.Cluster)
	}
	if err := checkQuorumd(c.Quorumd, f.Device, p.Label); err != nil {
		return nil, err
	}
	if len(rec.Key) == 0 && c.Totem.SecAuth {
		return nil, fmt.Errorf("%w: quorum disk %s stores no cluster key and cluster.conf has secauth on; "+
			"store the key with mkqdisk --keyfile (or the daemon's key distribution)", ErrBadConfig, f.Device)
	}
	return &Config{Cluster: c, Raw: rec.Data, Key: rec.Key}, nil
}

func checkQuorumd(q conf.Quorumd, dev, label string) error {
	switch {
	case q.Device != "":
		return fmt.Errorf("%w: cluster.conf on %s names the quorum disk by device=%q; appliance nodes find it by label, "+
			"use <quorumd label=%q> instead", ErrBadConfig, dev, q.Device, label)
	case q.Label != label:
		return fmt.Errorf("%w: cluster.conf on %s (label %q) expects the quorum disk labelled %q; "+
			"fix quorate.label= or the configuration", ErrForeign, dev, label, q.Label)
	}
	return nil
}
