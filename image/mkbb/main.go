// Command mkbb generates the source of the appliance's multi-call binary:
// every command given (cmd/quorated, cmd/clustat, …, image/uinit) becomes
// a package of a generated module whose main runs the command named by
// argv[0] (or by argv[1] when argv[0] is the binary's own name), as
// busybox does.
//
//	mkbb -root REPO -out DIR cmd/quorated cmd/clustat image/uinit
//
// writes DIR/go.mod (module quorate.bb), DIR/go.work (using DIR and REPO),
// DIR/<name>/*.go and DIR/main.go; then
//
//	GOWORK=DIR/go.work go build -C DIR -o quorate .
//
// builds it in module mode, so it keeps the repository's Go version
// semantics (GODEBUG defaults such as Go 1.22's HTTP routing patterns),
// which u-root's own busybox builder, working in GOPATH mode, would reset
// to Go 1.20's.
//
// The rewrite: "package main" becomes "package NAME" and the function
// main becomes Main; build constraints are honoured (go/build), test files
// are left out, and files matched by //go:embed patterns are copied along.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	root := flag.String("root", ".", "the repository (module github.com/quorate/quorate)")
	out := flag.String("out", "", "`DIR` to write the generated module to (emptied first)")
	self := flag.String("name", "quorate", "the multi-call binary's own name")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mkbb -root REPO -out DIR cmd/NAME... image/uinit")
		os.Exit(2)
	}
	if err := generate(*root, *out, *self, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "mkbb: %v\n", err)
		os.Exit(1)
	}
}

func generate(root, out, self string, dirs []string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	goVersion, err := moduleGoVersion(filepath.Join(root, "go.mod"))
	if err != nil {
		return err
	}
	var cmds []string
	for _, d := range dirs {
		cmd := filepath.Base(filepath.Clean(d))
		name := packageName(cmd)
		if err := rewriteCommand(filepath.Join(root, d), filepath.Join(out, name), name); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
		cmds = append(cmds, cmd)
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	files := map[string]string{
		"go.mod":  fmt.Sprintf("module %s\n\ngo %s\n", bbModule, goVersion),
		"go.work": fmt.Sprintf("go %s\n\nuse (\n\t%s\n\t%s\n)\n", goVersion, absOut, root),
		"main.go": mainSource(self, cmds),
	}
	for f, text := range files {
		if err := os.WriteFile(filepath.Join(out, f), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// bbModule is the generated module's path.
const bbModule = "quorate.bb"

// packageName is the package name for a command: its name with '-' mapped
// to '_'.
func packageName(cmd string) string { return strings.ReplaceAll(cmd, "-", "_") }

func moduleGoVersion(gomod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "go "); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("%s has no go directive", gomod)
}
