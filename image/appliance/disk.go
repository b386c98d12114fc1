package appliance

import (
	"errors"
	"fmt"
	"strings"

	"github.com/quorate/quorate/quorumdisk"
)

// Why a quorum disk cannot be used; the appliance prints the message and
// tries again later.
var (
	// ErrNoDisk: no block device carries a valid quorum disk header with
	// the label.
	ErrNoDisk = errors.New("quorum disk not found")
	// ErrAmbiguous: several devices carry the label.
	ErrAmbiguous = errors.New("more than one quorum disk with the label")
	// ErrForeign: the disk, or the configuration on it, belongs to another
	// cluster.
	ErrForeign = errors.New("quorum disk of another cluster")
)

// Choose picks the quorum disk labelled p.Label out of what
// quorumdisk.Scan found. It refuses, explaining what it saw: no device
// with that label and a valid header (ErrNoDisk), several (ErrAmbiguous,
// as quorated would), and a disk stamped with another cluster than
// p.Cluster (ErrForeign). Damaged headers never match.
func Choose(found []quorumdisk.Found, p Params) (quorumdisk.Found, error) {
	var match []quorumdisk.Found
	for _, f := range found {
		if f.Err == nil && f.Header.Label == p.Label {
			match = append(match, f)
		}
	}
	switch len(match) {
	case 0:
		return quorumdisk.Found{}, fmt.Errorf("%w: no block device carries a quorum disk labelled %q (%s); "+
			"check the cable or iSCSI login, or label the LUN with mkqdisk -c DEVICE -l %s --config cluster.conf",
			ErrNoDisk, p.Label, seen(found), p.Label)
	case 1:
	default:
		var devs []string
		for _, m := range match {
			devs = append(devs, m.Device+" (disk "+m.Header.UUID.String()+")")
		}
		return quorumdisk.Found{}, fmt.Errorf("%w %q: %s; give each quorum disk its own label, or remove the extra paths",
			ErrAmbiguous, p.Label, strings.Join(devs, ", "))
	}
	f := match[0]
	if p.Cluster != "" && f.Header.Cluster != "" && f.Header.Cluster != p.Cluster {
		return quorumdisk.Found{}, fmt.Errorf("%w: %s (label %q) is stamped for cluster %q, this node is for cluster %q "+
			"(quorate.cluster=); not using it", ErrForeign, f.Device, p.Label, f.Header.Cluster, p.Cluster)
	}
	return f, nil
}

// seen summarises the scan for messages: "saw /dev/vda: label "x" cluster
// "c"; /dev/vdb: damaged header (…)" or "no quorum disks at all".
func seen(found []quorumdisk.Found) string {
	if len(found) == 0 {
		return "no block device holds any quorum disk"
	}
	var s []string
	for _, f := range found {
		if f.Err != nil {
			s = append(s, fmt.Sprintf("%s: unusable header: %v", f.Device, f.Err))
			continue
		}
		s = append(s, fmt.Sprintf("%s: label %q cluster %q", f.Device, f.Header.Label, f.Header.Cluster))
	}
	return "saw " + strings.Join(s, "; ")
}
