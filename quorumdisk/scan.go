package quorumdisk

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scanTimeout bounds the header read of each device during Scan.
const scanTimeout = 5 * time.Second

// Found is a device that carries a quorum disk header.
type Found struct {
	Device string
	Header Header // valid when Err is nil
	// Err is set when the device starts with our magic but its header
	// cannot be used (checksum, version…).
	Err error
}

// Scan reads the header of every block device of the system (those in
// /sys/class/block, plus /dev/loop*) read-only and lists the quorum disks,
// sorted by device path (mkqdisk -L). Removable devices and devices too
// small to hold a quorum disk are skipped without being opened.
func Scan(log *slog.Logger) ([]Found, error) {
	return scan("/sys/class/block", "/dev", log)
}

// FindByLabel is Scan narrowed to the disks with the given label whose
// header is valid.
func FindByLabel(label string, log *slog.Logger) ([]Found, error) {
	all, err := Scan(log)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(f Found) bool { return f.Err != nil || f.Header.Label != label }), nil
}

func scan(sysDir, devDir string, log *slog.Logger) ([]Found, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	names, err := candidates(sysDir, devDir)
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, name := range names {
		if f, ok := probe(sysDir, filepath.Join(devDir, name), name, log); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// candidates lists device names from sysDir and devDir/loop*, sorted and
// without duplicates.
func candidates(sysDir, devDir string) ([]string, error) {
	ents, err := os.ReadDir(sysDir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	loops, _ := filepath.Glob(filepath.Join(devDir, "loop[0-9]*"))
	for _, l := range loops {
		names = append(names, filepath.Base(l))
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// probe opens one device read-only and reads its header.
func probe(sysDir, path, name string, log *slog.Logger) (Found, bool) {
	if skip := skipReason(filepath.Join(sysDir, name)); skip != "" {
		log.Debug("scan: skipped", "device", path, "reason", skip)
		return Found{}, false
	}
	dev, err := OpenDevice(path, true)
	if err != nil {
		log.Debug("scan: cannot open", "device", path, "err", err)
		return Found{}, false
	}
	d, err := NewDisk(dev, scanTimeout, log)
	if err != nil {
		dev.Close()
		if errors.Is(err, ErrEmpty) || errors.Is(err, ErrBadMagic) || !isDecodeError(err) {
			log.Debug("scan: no quorum disk", "device", path, "err", err)
			return Found{}, false
		}
		return Found{Device: path, Err: err}, true
	}
	defer d.Close()
	return Found{Device: path, Header: d.Header()}, true
}

func isDecodeError(err error) bool {
	return errors.Is(err, ErrCorrupt) || errors.Is(err, ErrVersion) || errors.Is(err, ErrStale)
}

// skipReason says why a device need not be opened, from its sysfs entry
// ("" if it should be, or if sysfs knows nothing about it).
func skipReason(sys string) string {
	if b, err := os.ReadFile(filepath.Join(sys, "removable")); err == nil && strings.TrimSpace(string(b)) == "1" {
		return "removable"
	}
	b, err := os.ReadFile(filepath.Join(sys, "size"))
	if err != nil {
		return ""
	}
	sectors, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err == nil && sectors*512 < MinDeviceSize {
		return "smaller than a quorum disk"
	}
	return ""
}
