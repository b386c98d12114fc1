package appliance

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/quorate/quorate/quorumdisk"
)

// ErrNoLabel: the kernel command line has no quorate.label=.
var ErrNoLabel = errors.New("no quorate.label= on the kernel command line; add quorate.label=LABEL (the label given to mkqdisk -l)")

// Params are the appliance's settings from the kernel command line.
type Params struct {
	Label     string  // quorate.label
	Node      string  // quorate.node; "" = from DHCP or the node addresses
	Cluster   string  // quorate.cluster; "" = any
	ISCSI     *Target // quorate.iscsi; nil = none
	Initiator string  // quorate.initiator; "" = derived
	Shell     bool    // quorate.shell, default true
	Debug     bool    // quorate.debug, default false
}

// paramKeys are the quorate.* keys, for unknown-key reports.
var paramKeys = map[string]bool{
	"label": true, "node": true, "cluster": true, "iscsi": true, "initiator": true, "shell": true, "debug": true,
}

// ParseCmdline reads the quorate.* parameters of a kernel command line
// (the contents of /proc/cmdline). It returns every problem found joined
// into err, together with the parameters that did parse; a missing label
// is ErrNoLabel. A later duplicate of a key overrides an earlier one, as
// with the kernel's own parameters.
func ParseCmdline(cmdline string) (Params, error) {
	p := Params{Shell: true}
	var errs []error
	for _, f := range splitCmdline(cmdline) {
		k, v, _ := strings.Cut(f, "=")
		name, ok := strings.CutPrefix(k, "quorate.")
		if !ok {
			continue
		}
		if err := p.set(name, v); err != nil {
			errs = append(errs, fmt.Errorf("kernel command line %s: %w", k, err))
		}
	}
	if p.Label == "" {
		errs = append(errs, ErrNoLabel)
	}
	return p, errors.Join(errs...)
}

func (p *Params) set(name, v string) error {
	var err error
	switch name {
	case "label":
		p.Label, err = v, quorumdisk.ValidateLabel(v)
	case "node":
		p.Node, err = v, checkWord("node name", v)
	case "cluster":
		p.Cluster, err = v, quorumdisk.ValidateClusterName(v)
	case "iscsi":
		var t Target
		if t, err = ParseTarget(v); err == nil {
			p.ISCSI = &t
		}
	case "initiator":
		p.Initiator, err = v, checkWord("initiator name", v)
	case "shell":
		p.Shell, err = parseBool(v)
	case "debug":
		p.Debug, err = parseBool(v)
	default:
		return fmt.Errorf("unknown parameter; known: quorate.%s", strings.Join(sortedKeys(), ", quorate."))
	}
	return err
}

func checkWord(what, v string) error {
	if v == "" || strings.ContainsAny(v, " \t\n\"") {
		return fmt.Errorf("%s %q must be a non-empty word", what, v)
	}
	return nil
}

func parseBool(v string) (bool, error) {
	if v == "" {
		return true, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("want 0 or 1, got %q", v)
	}
	return b, nil
}

func sortedKeys() []string {
	var ks []string
	for k := range paramKeys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// splitCmdline splits a kernel command line into parameters the way the
// kernel does: at white space outside double quotes; the quotes are
// removed.
func splitCmdline(s string) []string {
	var (
		out    []string
		cur    strings.Builder
		quoted bool
		inWord bool
	)
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// Cmdline formats p as kernel command line parameters (the inverse of
// ParseCmdline); default values are left out.
func (p Params) Cmdline() string {
	var f []string
	add := func(k, v string) {
		if v != "" {
			f = append(f, "quorate."+k+"="+quote(v))
		}
	}
	add("label", p.Label)
	add("node", p.Node)
	add("cluster", p.Cluster)
	if p.ISCSI != nil {
		add("iscsi", p.ISCSI.String())
	}
	add("initiator", p.Initiator)
	if !p.Shell {
		add("shell", "0")
	}
	if p.Debug {
		add("debug", "1")
	}
	return strings.Join(f, " ")
}

func quote(v string) string {
	if strings.ContainsAny(v, " \t\n") {
		return `"` + v + `"`
	}
	return v
}
