package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	src := []byte(`// Command x does things.
package main

import "os"

func main() {
	os.Exit(run())
}

func run() int {
	if false {
		main()
	}
	return 0
}
`)
	out, err := Rewrite("x.go", src, "fence_node")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"package fence_node", "func Main() {", "\t\tMain()", "// Command x does things."} {
		if !strings.Contains(s, want) {
			t.Errorf("rewritten source lacks %q:\n%s", want, s)
		}
	}
	if _, err := Rewrite("y.go", []byte("package lib\n"), "y"); err == nil {
		t.Error("a non-main package was accepted")
	}
}

// TestGenerateBuilds generates a multi-call module from two tiny commands
// and runs the result under both of their names.
func TestGenerateBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	root := t.TempDir()
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/r\n\ngo 1.22\n")
	write("cmd/hello/main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n")
	write("cmd/hello/main_test.go", "package main\n")
	write("cmd/bye-now/main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() { fmt.Println(\"bye\", os.Args[1:]) }\n")
	out := filepath.Join(t.TempDir(), "bb")
	if err := generate(root, out, "multi", []string{"cmd/hello", "cmd/bye-now"}); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "multi")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = out
	build.Env = append(os.Environ(), "GOWORK="+filepath.Join(out, "go.work"), "GOFLAGS=")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	if b, err := exec.Command(bin, "hello").CombinedOutput(); err != nil || string(b) != "hello\n" {
		t.Fatalf("multi hello: %q %v", b, err)
	}
	link := filepath.Join(filepath.Dir(bin), "bye-now")
	os.Symlink(bin, link)
	if b, err := exec.Command(link, "x").CombinedOutput(); err != nil || string(b) != "bye [x]\n" {
		t.Fatalf("bye-now x: %q %v", b, err)
	}
	if b, err := exec.Command(bin, "nope").CombinedOutput(); err == nil || !strings.Contains(string(b), "unknown command") {
		t.Fatalf("unknown command: %q %v", b, err)
	}
}
