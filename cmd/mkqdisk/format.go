package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/quorate/quorate/quorumdisk"
)

// headerJSON is the JSON form of a quorum disk header; the field names are
// a stable interface for scripts.
type headerJSON struct {
	Device        string          `json:"device"`
	Label         string          `json:"label"`
	Cluster       string          `json:"cluster"`
	UUID          quorumdisk.UUID `json:"uuid"`
	FormatVersion uint16          `json:"format_version"`
	BlockSize     uint32          `json:"block_size"`
	SectorSize    uint32          `json:"sector_size"`
	SlotCount     uint32          `json:"slot_count"`
	Created       *time.Time      `json:"created,omitempty"`
	CreatedBy     string          `json:"created_by"`
	Error         string          `json:"error,omitempty"` // header present but unusable
}

func toHeaderJSON(device string, h quorumdisk.Header) headerJSON {
	j := headerJSON{Device: device, Label: h.Label, Cluster: h.Cluster, UUID: h.UUID,
		FormatVersion: h.FormatVersion, BlockSize: h.BlockSize, SectorSize: h.SectorSize,
		SlotCount: h.SlotCount, CreatedBy: h.CreatedBy}
	if !h.Created.IsZero() {
		j.Created = &h.Created
	}
	return j
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printHeader writes the header the way RHCS mkqdisk -L does: the device,
// then one indented "Name: value" line per field.
func printHeader(w io.Writer, device string, h quorumdisk.Header) {
	fmt.Fprintf(w, "%s:\n", device)
	row := func(k string, v any) { field(w, k, "%v", v) }
	row("Label", h.Label)
	row("Cluster", clusterText(h.Cluster))
	row("UUID", h.UUID)
	row("Format version", h.FormatVersion)
	row("Sector size", h.SectorSize)
	row("Block size", h.BlockSize)
	row("Slots", h.SlotCount)
	row("Created", timeText(h.Created))
	row("Created by", h.CreatedBy)
}

// field prints one indented "Name: value" line with aligned values.
func field(w io.Writer, name, format string, args ...any) {
	fmt.Fprintf(w, "\t%-16s"+format+"\n", append([]any{name + ":"}, args...)...)
}

func clusterText(name string) string {
	if name == "" {
		return "(not stamped: the first node to join stamps it)"
	}
	return name
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339)
}
