// Command mkmods copies the kernel modules the appliance needs, with every
// module they depend on, out of an unpacked Debian kernel package into a
// staging tree, and writes the modules.dep (and modules.builtin) that
// u-root's pkg/kmodule reads at boot:
//
//	mkmods -kdir ROOT/lib/modules/VERSION -out STAGE module...
//
// writes STAGE/lib/modules/VERSION/{kernel/...,modules.dep,modules.builtin}
// and prints the modules copied, in load order. It reads dependencies from
// each module's .modinfo (package image/kmods), so the build host needs no
// depmod.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/quorate/quorate/image/kmods"
)

func main() {
	kdir := flag.String("kdir", "", "unpacked `DIR` /lib/modules/VERSION of the kernel package")
	out := flag.String("out", "", "staging `DIR`; modules go to DIR/lib/modules/VERSION")
	flag.Parse()
	if *kdir == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mkmods -kdir ROOT/lib/modules/VERSION -out STAGE module...")
		os.Exit(2)
	}
	if err := run(*kdir, *out, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "mkmods: %v\n", err)
		os.Exit(1)
	}
}

func run(kdir, out string, want []string, stdout io.Writer) error {
	builtinData, err := os.ReadFile(filepath.Join(kdir, "modules.builtin"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	ix, err := kmods.ScanTree(kdir, lines(builtinData))
	if err != nil {
		return err
	}
	names, err := ix.Closure(want)
	if err != nil {
		return err
	}
	dep, err := ix.ModulesDep(names)
	if err != nil {
		return err
	}
	dst := filepath.Join(out, "lib", "modules", filepath.Base(filepath.Clean(kdir)))
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	for _, l := range dep {
		if err := copyFile(filepath.Join(kdir, l.Path), filepath.Join(dst, l.Path)); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dst, "modules.dep"), kmods.FormatModulesDep(dep), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "modules.builtin"), builtinData, 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, strings.Join(names, " "))
	return nil
}

func lines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}
