package quorumdisk

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// createTimeout bounds each device call of Create.
const createTimeout = 30 * time.Second

// zeroChunk is the size of the writes that clear the areas.
const zeroChunk = 1 << 20

// Create initialises the quorum disk at path (mkqdisk -c): a new random
// UUID, the header with label and clusterName ("" leaves it to the first
// node to stamp), and zeroes over the config area, the slots and the
// per-node areas. It does not check what was there before; mkqdisk does.
func Create(path, label, clusterName string, log *slog.Logger) (Header, error) {
	dev, err := OpenDevice(path, false)
	if err != nil {
		return Header{}, err
	}
	defer dev.Close()
	return CreateOn(dev, label, clusterName, log)
}

// CreateOn is Create on an open device, which stays open.
func CreateOn(dev BlockDevice, label, clusterName string, log *slog.Logger) (Header, error) {
	if err := ValidateLabel(label); err != nil {
		return Header{}, err
	}
	if clusterName != "" {
		if err := ValidateClusterName(clusterName); err != nil {
			return Header{}, err
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Disk{dev: dev, name: deviceName(dev), timeout: createTimeout, log: log, blk: AlignedBuffer(BlockSize)}
	if err := checkGeometry(d.name, dev); err != nil {
		return Header{}, err
	}
	h, err := newHeader(dev, label, clusterName)
	if err != nil {
		return Header{}, err
	}
	if err := d.initialise(h); err != nil {
		return Header{}, err
	}
	log.Info("quorum disk initialised", "device", d.name, "label", label, "cluster", clusterName, "uuid", h.UUID)
	return h, nil
}

func newHeader(dev BlockDevice, label, clusterName string) (Header, error) {
	host, _ := os.Hostname()
	if len(host) > MaxCreatedByLen {
		host = host[:MaxCreatedByLen]
	}
	h := Header{
		FormatVersion: Version, BlockSize: BlockSize, SectorSize: uint32(dev.SectorSize()), SlotCount: SlotCount,
		Label: label, Cluster: clusterName, Created: time.Now().UTC(), CreatedBy: host,
	}
	if _, err := rand.Read(h.UUID[:]); err != nil {
		return Header{}, fmt.Errorf("draw disk UUID: %w", err)
	}
	h.Created = fromUnixNano(h.Created.UnixNano())
	return h, nil
}

// initialise invalidates the old header first, so a crash half-way leaves
// no header that vouches for half-cleared areas, then clears everything
// up to MinDeviceSize, writes the new header and reads it back.
func (d *Disk) initialise(h Header) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	zero := AlignedBuffer(zeroChunk)
	for off := int64(0); off < MinDeviceSize; off += zeroChunk {
		if err := d.do(true, zero, off); err != nil {
			return err
		}
	}
	if err := EncodeHeader(d.blk, h); err != nil {
		return err
	}
	if err := d.do(true, d.blk, HeaderOffset); err != nil {
		return err
	}
	d.hdr.Store(&h)
	got, err := d.readHeaderLocked()
	if err != nil {
		return fmt.Errorf("read back the new header: %w", err)
	}
	if got != h {
		return fmt.Errorf("%w: quorum disk %s: header read back differs from the one written; check the device",
			ErrCorrupt, d.name)
	}
	return nil
}
