package fencer

import (
	"fmt"
	"time"

	"github.com/quorate/quorate/conf"
)

// SCSIConfig is one node's own SCSI-3 persistent-reservation set-up, as
// quorated needs it to register, reserve and watch its key.
type SCSIConfig struct {
	// Devices are the LUNs of every fence_scsi <device> of the node (its
	// methods and its <unfence>), each once, in cluster.conf order.
	Devices []string
	Key     PRKey
	// Interval is how often the node checks that its key is still
	// registered: the smallest check_interval= of its fence_scsi devices,
	// else conf.SCSICheckInterval of the quorum disk.
	Interval time.Duration
	APTPL    bool
}

// LocalSCSI returns node n's SCSI-3 PR set-up; ok is false when none of
// its <device> references is a fence_scsi device.
func LocalSCSI(c *conf.Cluster, n *conf.Node) (cfg SCSIConfig, ok bool, err error) {
	seen := map[string]bool{}
	for _, ref := range conf.NodeDeviceRefs(n) {
		dev := c.FenceDeviceByName(ref.Name)
		if dev == nil || dev.Agent != conf.FenceSCSI {
			continue
		}
		p := mergeParams(dev.Params, ref.Params)
		sp, err := parseSCSIParams(p, c.Name, n.ID)
		if err != nil {
			return cfg, false, fmt.Errorf("node %s, <device name=%q> (line %d): %w", n.Name, ref.Name, ref.Line, err)
		}
		if ok && sp.key != cfg.Key {
			return cfg, false, fmt.Errorf("%w: node %s's fence_scsi devices give it two keys, %v and %v", ErrBadParam, n.Name, cfg.Key, sp.key)
		}
		cfg.Key, cfg.APTPL, ok = sp.key, cfg.APTPL || sp.aptpl, true
		for _, d := range sp.devices {
			if !seen[d] {
				seen[d] = true
				cfg.Devices = append(cfg.Devices, d)
			}
		}
		if v, set := p["check_interval"]; set {
			iv, err := conf.ParseSCSICheckInterval(v)
			if err != nil {
				return cfg, false, fmt.Errorf("%w: %v", ErrBadParam, err)
			}
			if cfg.Interval == 0 || iv < cfg.Interval {
				cfg.Interval = iv
			}
		}
	}
	if ok && cfg.Interval == 0 {
		cfg.Interval = conf.SCSICheckInterval(c.Quorumd)
	}
	return cfg, ok, nil
}
