package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/quorate/quorate/conf"
)

// load reads and parses file. An invalid file's problems are printed to
// stderr, one a line exactly as conf words them, and errReported is
// returned.
func (r *runner) load(file string) (*conf.Cluster, error) {
	c, err := conf.Load(file)
	var list *conf.ErrorList
	if errors.As(err, &list) {
		fmt.Fprintln(r.stderr, list.Error())
		return nil, errReported
	}
	return c, err
}

// validate checks a file and summarises it.
func (r *runner) validate(fset *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fset, args, 0, 1)
	if err != nil {
		return err
	}
	file := r.opts.file
	if len(pos) == 1 {
		file = pos[0]
	}
	c, err := r.load(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "%s: valid (config_version %d, %d nodes, %d services)\n", file, c.ConfigVersion, len(c.Nodes), len(c.RM.Services))
	return nil
}

// show prints the configuration with every default filled in, or with
// --xml in conf's canonical form (defaults left out).
func (r *runner) show(fset *flag.FlagSet, args []string) error {
	asXML := fset.Bool("xml", false, "print canonical XML")
	if _, err := parseArgs(fset, args, 0, 0); err != nil {
		return err
	}
	c, err := r.load(r.opts.file)
	if err != nil {
		return err
	}
	if !*asXML {
		return writeSummary(r.stdout, c)
	}
	out, err := c.Marshal()
	if err != nil {
		return err
	}
	_, err = r.stdout.Write(out)
	return err
}

// diff prints a unified diff from FILE (default: -f FILE's .bak) to the
// -f file; with --canonical both are compared in conf's canonical form,
// so only changes of meaning show.
func (r *runner) diff(fset *flag.FlagSet, args []string) error {
	canonical := fset.Bool("canonical", false, "compare the canonical forms (ignores comments, layout and defaults written out)")
	pos, err := parseArgs(fset, args, 0, 1)
	if err != nil {
		return err
	}
	from := r.opts.file + ".bak"
	if len(pos) == 1 {
		from = pos[0]
	}
	a, err := r.diffInput(from, *canonical)
	if err != nil {
		return err
	}
	b, err := r.diffInput(r.opts.file, *canonical)
	if err != nil {
		return err
	}
	fmt.Fprint(r.stdout, unifiedDiff(from, r.opts.file, a, b))
	return nil
}

func (r *runner) diffInput(file string, canonical bool) ([]byte, error) {
	if !canonical {
		return os.ReadFile(file)
	}
	c, err := r.load(file)
	if err != nil {
		return nil, err
	}
	return c.Marshal()
}
