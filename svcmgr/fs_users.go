package svcmgr

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// usersOf lists the processes (other than this one) that use the
// filesystem with device number major:minor: as their working directory,
// root, executable, an open file or a mapped file, like fuser -m.
func usersOf(major, minor uint32) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if usesDev(pid, major, minor) {
			out = append(out, pid)
		}
	}
	return out
}

func usesDev(pid int, major, minor uint32) bool {
	dir := "/proc/" + strconv.Itoa(pid)
	for _, l := range []string{"cwd", "root", "exe"} {
		if onDev(filepath.Join(dir, l), major, minor) {
			return true
		}
	}
	fds, _ := os.ReadDir(filepath.Join(dir, "fd"))
	for _, fd := range fds {
		if onDev(filepath.Join(dir, "fd", fd.Name()), major, minor) {
			return true
		}
	}
	return mapsDev(filepath.Join(dir, "maps"), major, minor)
}

// onDev stats what the /proc link points to.
func onDev(path string, major, minor uint32) bool {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return false
	}
	return unix.Major(st.Dev) == major && unix.Minor(st.Dev) == minor
}

// mapsDev scans /proc/PID/maps lines ("addr perms offset MA:MI inode
// path") for the device, written in hex.
func mapsDev(path string, major, minor uint32) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	want := strconv.FormatUint(uint64(major), 16) + ":" + strconv.FormatUint(uint64(minor), 16)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && fields[4] != "0" && trimHexDev(fields[3]) == want {
			return true
		}
	}
	return false
}

// trimHexDev turns "08:01" into "8:1".
func trimHexDev(s string) string {
	a, b, _ := strings.Cut(s, ":")
	return trimZeros(a) + ":" + trimZeros(b)
}

func trimZeros(s string) string {
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

// killUsers sends sig to every user of the filesystem; it returns how
// many there were.
func killUsers(major, minor uint32, sig unix.Signal) int {
	pids := usersOf(major, minor)
	for _, pid := range pids {
		_ = unix.Kill(pid, sig)
	}
	return len(pids)
}
