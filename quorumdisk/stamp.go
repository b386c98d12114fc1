package quorumdisk

import (
	"fmt"
)

// ReadHeader reads the header block again and checks that the disk was
// not re-initialised since it was opened (ErrReinitialised). On success the
// cached Header is updated.
func (d *Disk) ReadHeader() (Header, error) {
	if err := d.begin(); err != nil {
		return Header{}, err
	}
	defer d.mu.Unlock()
	return d.rereadLocked()
}

func (d *Disk) rereadLocked() (Header, error) {
	h, err := d.readHeaderLocked()
	if err != nil {
		return Header{}, err
	}
	if old := d.Header().UUID; h.UUID != old {
		return Header{}, opErr(ErrReinitialised, nil, "quorum disk %s was re-initialised while in use "+
			"(UUID %s, was %s); restart quorated on every node to adopt it", d.name, h.UUID, old)
	}
	d.hdr.Store(&h)
	return h, nil
}

// CheckCluster reads the header again and checks that the disk belongs to
// cluster name: ErrForeignCluster if it is stamped with another name,
// ErrUnstamped if with none, ErrReinitialised if its UUID changed.
func (d *Disk) CheckCluster(name string) error {
	h, err := d.ReadHeader()
	if err != nil {
		return err
	}
	return d.clusterMatches(h, name)
}

func (d *Disk) clusterMatches(h Header, name string) error {
	switch h.Cluster {
	case name:
		return nil
	case "":
		return opErr(ErrUnstamped, nil, "quorum disk %s (label %q) is not yet stamped with a cluster name; "+
			"the first node of cluster %q to join stamps it", d.name, h.Label, name)
	default:
		return opErr(ErrForeignCluster, nil, "quorum disk %s belongs to cluster %q, not %q; "+
			"check quorumd label in cluster.conf or re-initialise the disk with mkqdisk -c", d.name, h.Cluster, name)
	}
}

// StampCluster writes cluster name into the header if it carries none yet
// (read, check, write, read back). It is a no-op if the disk already
// carries name, and fails with ErrForeignCluster if it carries another.
func (d *Disk) StampCluster(name string) error {
	if err := ValidateClusterName(name); err != nil {
		return err
	}
	if err := d.begin(); err != nil {
		return err
	}
	defer d.mu.Unlock()
	h, err := d.rereadLocked()
	if err != nil || h.Cluster != "" {
		if err == nil {
			err = d.clusterMatches(h, name)
		}
		return err
	}
	h.Cluster = name
	if err := EncodeHeader(d.blk, h); err != nil {
		return err
	}
	if err := d.do(true, d.blk, HeaderOffset); err != nil {
		return fmt.Errorf("stamp cluster name: %w", err)
	}
	if h, err = d.rereadLocked(); err != nil {
		return err
	}
	d.log.Info("quorum disk stamped with cluster name", "device", d.name, "cluster", name)
	return d.clusterMatches(h, name)
}
