package main

import (
	"fmt"

	"github.com/quorate/quorate/quorumdisk"
)

// list is mkqdisk -L.
func (c *cli) list(asJSON bool) error {
	found, err := scanDevices(c.log)
	if err != nil {
		return fmt.Errorf("list block devices: %w", err)
	}
	if asJSON {
		return writeJSON(c.stdout, foundJSON(found))
	}
	if len(found) == 0 {
		fmt.Fprintln(c.stderr, "mkqdisk: no quorum disks found")
	}
	printFound(c, found)
	return nil
}

// find is mkqdisk -f LABEL: the devices with a valid header and LABEL.
func (c *cli) find(label string, asJSON bool) error {
	all, err := scanDevices(c.log)
	if err != nil {
		return fmt.Errorf("list block devices: %w", err)
	}
	var found []quorumdisk.Found
	for _, f := range all {
		if f.Err == nil && f.Header.Label == label {
			found = append(found, f)
		}
	}
	if len(found) == 0 {
		return fmt.Errorf("no quorum disk with label %q found; list the labels with mkqdisk -L", label)
	}
	if asJSON {
		return writeJSON(c.stdout, foundJSON(found))
	}
	for _, f := range found {
		fmt.Fprintln(c.stdout, f.Device)
	}
	return nil
}

func foundJSON(found []quorumdisk.Found) []headerJSON {
	out := make([]headerJSON, 0, len(found))
	for _, f := range found {
		if f.Err != nil {
			out = append(out, headerJSON{Device: f.Device, Error: f.Err.Error()})
			continue
		}
		out = append(out, toHeaderJSON(f.Device, f.Header))
	}
	return out
}

func printFound(c *cli, found []quorumdisk.Found) {
	for i, f := range found {
		if i > 0 {
			fmt.Fprintln(c.stdout)
		}
		if f.Err != nil {
			fmt.Fprintf(c.stdout, "%s:\n\tunusable quorum disk header: %v\n", f.Device, f.Err)
			continue
		}
		printHeader(c.stdout, f.Device, f.Header)
	}
}
