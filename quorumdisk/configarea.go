package quorumdisk

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// Config area errors.
var (
	// ErrNoConfig: neither copy of the config area holds a valid
	// configuration (never written, or both damaged; the error then also
	// matches the damage, e.g. ErrCorrupt).
	ErrNoConfig = errors.New("no configuration stored on the quorum disk")
	// ErrConfigVersion: WriteConfig was given a config_version that is not
	// newer than the stored one (and not the very same configuration).
	ErrConfigVersion = errors.New("config_version not newer than the stored one")
	// ErrConfigMismatch: the blocks of a copy do not belong to the same
	// write (a write interrupted half-way) or sit in the wrong copy.
	ErrConfigMismatch = fmt.Errorf("%w: config blocks from different writes", ErrCorrupt)
)

// configCopy is what reading one copy found.
type configCopy struct {
	hdr *configHeader // nil when the header did not decode
	rec *ConfigRecord // nil when the copy is not valid as a whole
	err error         // why hdr or rec is nil
}

// ReadConfig returns the newest valid copy of the configuration: the one
// with the higher config_version, of two equal versions the one written
// last. A damaged or half-written copy is skipped, so the older copy is
// returned when the newer one is torn. ErrNoConfig when neither is valid.
// It reads one block per copy and then the blocks of the chosen copy.
func (d *Disk) ReadConfig() (ConfigRecord, error) {
	if err := d.begin(); err != nil {
		return ConfigRecord{}, err
	}
	defer d.mu.Unlock()
	copies, err := d.readConfigLocked()
	if err != nil {
		return ConfigRecord{}, err
	}
	if i := newestValid(copies); i >= 0 {
		return *copies[i].rec, nil
	}
	return ConfigRecord{}, d.noConfig(copies)
}

// readConfigLocked reads and decodes both copies; d.mu is held. Only a
// device error is returned; decoding problems are in the copies.
func (d *Disk) readConfigLocked() ([2]configCopy, error) {
	var out [2]configCopy
	uuid := d.Header().UUID
	for i := range out {
		if err := d.do(false, d.blk, ConfigCopyOffset(i)); err != nil {
			return out, err
		}
		h, err := decodeConfigHeader(d.blk, uuid, i)
		d.stats.decoded(err)
		if err != nil {
			out[i].err = err
			continue
		}
		out[i].hdr = &h
	}
	for _, i := range newestFirst(out) {
		buf := AlignedBuffer(out[i].hdr.blocks() * BlockSize)
		if err := d.do(false, buf, ConfigCopyOffset(i)); err != nil {
			return out, err
		}
		rec, err := DecodeConfigCopy(buf, uuid, i)
		d.stats.decoded(err)
		if err != nil {
			out[i].err = err
			continue
		}
		out[i].rec = &rec
		break // an older copy is not needed
	}
	return out, nil
}

// newestFirst lists the copies with a readable header, newest first.
func newestFirst(c [2]configCopy) []int {
	switch {
	case c[0].hdr != nil && c[1].hdr != nil && c[1].hdr.newer(c[0].hdr):
		return []int{1, 0}
	case c[0].hdr != nil && c[1].hdr != nil:
		return []int{0, 1}
	case c[0].hdr != nil:
		return []int{0}
	case c[1].hdr != nil:
		return []int{1}
	}
	return nil
}

// newestValid is the index of the newest copy that is valid as a whole,
// or -1.
func newestValid(c [2]configCopy) int {
	for _, i := range newestFirst(c) {
		if c[i].rec != nil {
			return i
		}
	}
	return -1
}

// noConfig explains why no copy is valid.
func (d *Disk) noConfig(c [2]configCopy) error {
	if errors.Is(c[0].err, ErrEmpty) && errors.Is(c[1].err, ErrEmpty) {
		return opErr(ErrNoConfig, nil, "quorum disk %s holds no configuration yet; the master stores it when the cluster forms, "+
			"or seed it with mkqdisk -c %s -l LABEL --config /etc/cluster/cluster.conf", d.name, d.name)
	}
	cause := c[0].err
	if cause == nil || errors.Is(cause, ErrEmpty) {
		cause = c[1].err
	}
	return opErr(ErrNoConfig, cause, "quorum disk %s: no valid configuration: copy A: %v; copy B: %v; "+
		"the master stores it again when a configuration is pushed", d.name, c[0].err, c[1].err)
}

// WriteConfig stores c in the copy that does not hold the newest valid
// configuration, header block last, then reads it back and checks it, so
// an interrupted write never loses the last good copy. It refuses
// (ErrConfigVersion) a config_version below the stored one, and an equal
// one unless c is the very configuration stored (same bytes and key); that
// case rewrites the other copy, so both copies hold it. c.Version must be
// the config_version inside c.Data: the caller parsed it, this package
// does not look inside. An empty c.Key keeps the stored key (see
// ConfigRecord.RemoveKey). A zero c.Written is set to the current time.
// Seq, Copy and Checksum are chosen here. Only one node (the master)
// writes the area at a time.
func (d *Disk) WriteConfig(c ConfigRecord) error {
	c.Copy = 0
	if err := checkRecord(&c); err != nil {
		return err
	}
	if c.Written.IsZero() {
		c.Written = fromUnixNano(time.Now().UnixNano())
	}
	if err := d.begin(); err != nil {
		return err
	}
	defer d.mu.Unlock()
	copies, err := d.readConfigLocked()
	if err != nil {
		return err
	}
	if err := d.placeConfig(&c, copies); err != nil {
		return err
	}
	return d.writeCopyLocked(c)
}

// placeConfig applies the version rule and the key carry-over, and
// chooses c's copy and write counter.
func (d *Disk) placeConfig(c *ConfigRecord, copies [2]configCopy) error {
	for _, cp := range copies {
		if cp.hdr != nil {
			c.Seq = max(c.Seq, cp.hdr.seq)
		}
	}
	c.Seq++
	i := newestValid(copies)
	if i < 0 {
		if c.RemoveKey {
			c.Key = nil
		}
		return nil
	}
	old := copies[i].rec
	switch {
	case c.RemoveKey:
		c.Key = nil
	case len(c.Key) == 0:
		c.Key = old.Key
	}
	if c.Version < old.Version || c.Version == old.Version && !sameConfig(c, old) {
		return opErr(ErrConfigVersion, nil, "config_version %d is not newer than version %d stored on quorum disk %s "+
			"(by node %d at %s)%s; raise config_version above %d", c.Version, old.Version, d.name, old.Writer,
			old.Written.Format(time.RFC3339), sameVersionNote(c, old), old.Version)
	}
	c.Copy = 1 - i
	return nil
}

func sameConfig(a, b *ConfigRecord) bool {
	return bytes.Equal(a.Data, b.Data) && bytes.Equal(a.Key, b.Key)
}

func sameVersionNote(c, old *ConfigRecord) string {
	if c.Version == old.Version {
		return " with different contents"
	}
	return ""
}

// writeCopyLocked writes c (copy and seq chosen) and reads it back.
func (d *Disk) writeCopyLocked(c ConfigRecord) error {
	uuid := d.Header().UUID
	buf, err := EncodeConfigCopy(c, uuid)
	if err != nil {
		return err
	}
	off := ConfigCopyOffset(c.Copy)
	if len(buf) > BlockSize {
		if err := d.do(true, buf[BlockSize:], off+BlockSize); err != nil {
			return err
		}
	}
	if err := d.do(true, buf[:BlockSize], off); err != nil {
		return err
	}
	back := AlignedBuffer(len(buf))
	if err := d.do(false, back, off); err != nil {
		return fmt.Errorf("read back config copy %s: %w", copyName(c.Copy), err)
	}
	if !bytes.Equal(back, buf) {
		_, derr := DecodeConfigCopy(back, uuid, c.Copy)
		return opErr(ErrCorrupt, derr, "quorum disk %s: config copy %s read back differs from what was written (%v); check the device",
			d.name, copyName(c.Copy), derr)
	}
	d.log.Info("configuration stored on the quorum disk", "device", d.name, "config_version", c.Version,
		"copy", copyName(c.Copy), "seq", c.Seq, "bytes", len(c.Data), "key", len(c.Key) > 0)
	return nil
}
