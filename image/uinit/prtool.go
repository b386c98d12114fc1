package main

// The appliance has no sg3-utils, so uinit doubles as a small tool for a
// shared LUN, run from the console shell:
//
//	uinit pr-keys DEVICE    the registered keys and the reservation (sg_persist -i -k, -i -r)
//	uinit pr-write DEVICE   one O_DIRECT write of 4 KiB at 1 MiB: shows whether this
//	                        node may write the LUN (a fenced node gets RESERVATION CONFLICT)
//	uinit pr-write DEVICE SECONDS
//	                        the same write every SECONDS, forever (an exec service); a
//	                        line for the first result and for every change of result
//
// pr-write overwrites that block: use it on a scratch or test LUN only.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quorate/quorate/fencer"
)

// prWriteOffset is where pr-write writes (1 MiB: past any partition table).
const prWriteOffset = 1 << 20

// prTool runs a tool command when uinit is started with one, and returns
// its exit code; ok is false when args name no tool (uinit is init then).
func prTool(args []string, out io.Writer) (code int, ok bool) {
	if len(args) < 1 || (args[0] != "pr-keys" && args[0] != "pr-write") {
		return 0, false
	}
	const usage = "usage: uinit pr-keys DEVICE | uinit pr-write DEVICE [SECONDS]"
	switch {
	case args[0] == "pr-keys" && len(args) == 2:
		return prKeys(args[1], out), true
	case args[0] == "pr-write" && len(args) == 2:
		return prWrite(args[1], out), true
	case args[0] == "pr-write" && len(args) == 3:
		every, err := time.ParseDuration(args[2] + "s")
		if err != nil || every <= 0 {
			fmt.Fprintln(out, usage)
			return 2, true
		}
		prWriteLoop(args[1], every, out)
	}
	fmt.Fprintln(out, usage)
	return 2, true
}

func prKeys(dev string, out io.Writer) int {
	d, err := fencer.OpenSG(dev)
	if err != nil {
		fmt.Fprintf(out, "pr-keys %s: %v\n", dev, err)
		return 1
	}
	defer d.Close()
	pr := &fencer.PR{Dev: d, Timeout: 10 * time.Second}
	keys, err := pr.ReadKeys()
	if err != nil {
		fmt.Fprintf(out, "pr-keys %s: READ KEYS: %v\n", dev, err)
		return 1
	}
	fmt.Fprintf(out, "pr-keys %s: generation %d, %d registered key(s)\n", dev, keys.Generation, len(keys.Keys))
	for _, k := range keys.Keys {
		fmt.Fprintf(out, "  %v\n", k)
	}
	r, err := pr.ReadReservation()
	switch {
	case err != nil:
		fmt.Fprintf(out, "pr-keys %s: READ RESERVATION: %v\n", dev, err)
		return 1
	case r.Reserved:
		fmt.Fprintf(out, "pr-keys %s: reservation held by %v, type %v\n", dev, r.Key, r.Type)
	default:
		fmt.Fprintf(out, "pr-keys %s: no reservation\n", dev)
	}
	return 0
}

func prWrite(dev string, out io.Writer) int {
	took, err := writeBlock(dev)
	fmt.Fprintln(out, describeWrite(dev, took, err))
	if err != nil {
		return 1
	}
	return 0
}

// prWriteLoop writes every period and prints the first result and each
// change of result, with the number of writes so far.
func prWriteLoop(dev string, every time.Duration, out io.Writer) {
	last := "none"
	for n := 1; ; n++ {
		took, err := writeBlock(dev)
		if state := fmt.Sprint(err); state != last {
			fmt.Fprintf(out, "[write %d] %s\n", n, describeWrite(dev, took, err))
			last = state
		}
		time.Sleep(every)
	}
}

// describeWrite is the result line of one write.
func describeWrite(dev string, took time.Duration, err error) string {
	switch {
	case errors.Is(err, unix.EBADE):
		// The block layer's BLK_STS_RESV_CONFLICT: the target answered
		// RESERVATION CONFLICT.
		return fmt.Sprintf("pr-write %s: write failed after %v: RESERVATION CONFLICT (%v): this node's key is not registered", dev, took, err)
	case err != nil:
		return fmt.Sprintf("pr-write %s: write failed after %v: %v", dev, took, err)
	}
	return fmt.Sprintf("pr-write %s: write ok (%v)", dev, took)
}

// writeBlock writes 4 KiB at prWriteOffset with O_DIRECT.
func writeBlock(dev string) (time.Duration, error) {
	fd, err := unix.Open(dev, unix.O_WRONLY|unix.O_DIRECT|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("open: %w", err)
	}
	defer unix.Close(fd)
	// An anonymous mapping is page-aligned, as O_DIRECT wants.
	buf, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return 0, err
	}
	defer unix.Munmap(buf)
	copy(buf, fmt.Sprintf("quorate pr-write from %s at %s\n", hostname(), time.Now().Format(time.RFC3339Nano)))
	start := time.Now()
	_, err = unix.Pwrite(fd, buf, prWriteOffset)
	return time.Since(start).Round(time.Millisecond), err
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}
