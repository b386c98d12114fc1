package kmods

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// ErrUnknownModule: a wanted module or a dependency is neither a module
// file in the tree nor built into the kernel.
var ErrUnknownModule = errors.New("unknown kernel module")

// Module is one module file in a kernel's module tree.
type Module struct {
	Path    string   // relative to /lib/modules/VERSION, e.g. kernel/drivers/block/virtio_blk.ko
	Depends []string // direct dependencies (module names)
}

// Index maps module names to their files, plus the names built into the
// kernel (modules.builtin), which need no file.
type Index struct {
	Modules map[string]Module
	Builtin map[string]bool
}

// Closure returns the wanted modules and everything they depend on, each
// once, dependencies before their dependents (a valid load order); ties
// keep the order of want. Built-in modules are left out. An unknown name
// is an error naming the module and who needed it.
func (ix *Index) Closure(want []string) ([]string, error) {
	var (
		order []string
		state = map[string]int{} // 1 visiting, 2 done
		visit func(name, by string) error
	)
	visit = func(name, by string) error {
		name = Normalize(name)
		switch {
		case state[name] == 2 || ix.Builtin[name]:
			return nil
		case state[name] == 1:
			return fmt.Errorf("dependency cycle through kernel module %s", name)
		}
		m, ok := ix.Modules[name]
		if !ok {
			return unknown(name, by)
		}
		state[name] = 1
		for _, d := range m.Depends {
			if err := visit(d, name); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, w := range want {
		if err := visit(w, ""); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func unknown(name, by string) error {
	if by == "" {
		return fmt.Errorf("%w %s: not in the kernel package; check the name (modinfo name, '-' and '_' are the same)", ErrUnknownModule, name)
	}
	return fmt.Errorf("%w %s (needed by %s): not in the kernel package", ErrUnknownModule, name, by)
}

// Deps returns every module that name needs, directly or indirectly,
// without name itself and without built-in modules, in depmod's order:
// dependents before their dependencies.
func (ix *Index) Deps(name string) ([]string, error) {
	order, err := ix.Closure([]string{name})
	if err != nil {
		return nil, err
	}
	order = order[:len(order)-1]
	slices.Reverse(order)
	return order, nil
}

// ScanTree indexes every module file (*.ko, *.ko.xz, *.ko.gz, *.ko.zst)
// under root, the /lib/modules/VERSION directory of an unpacked kernel
// package, reading each module's .modinfo; builtin lists the names of
// modules.builtin (may be nil).
func ScanTree(root string, builtin []string) (*Index, error) {
	ix := &Index{Modules: map[string]Module{}, Builtin: map[string]bool{}}
	for _, b := range builtin {
		ix.Builtin[Normalize(baseName(b))] = true
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isModuleFile(d.Name()) {
			return err
		}
		info, err := ReadModinfo(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		ix.Modules[info.Name] = Module{Path: filepath.ToSlash(rel), Depends: info.Depends}
		return nil
	})
	return ix, err
}

func isModuleFile(name string) bool {
	for _, s := range []string{".ko", ".ko.xz", ".ko.gz", ".ko.zst"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}
