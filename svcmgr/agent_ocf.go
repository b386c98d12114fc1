package svcmgr

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quorate/quorate/conf"
)

// validateTimeout bounds what Validate runs (meta-data, validate-all,
// bus calls).
const validateTimeout = 10 * time.Second

// ocfAgent runs an OCF 1.1 resource agent.
type ocfAgent struct {
	provider, typ, path string
	env                 []string // the agent's environment
}

// ocfOwnAttrs select the agent; they are not passed as OCF_RESKEY_*.
var ocfOwnAttrs = []string{"provider", "type", "agent"}

func newOCF(r conf.Resource, env Env) (Agent, error) {
	p := params(r.Attrs)
	provider, typ, err := ocfName(p)
	if err != nil {
		return nil, err
	}
	a := &ocfAgent{provider: provider, typ: typ, path: filepath.Join(env.OCFRoot, "resource.d", provider, typ)}
	instance := p.first("name")
	if instance == "" {
		instance = env.ServiceName + "-" + typ
	}
	a.env = ocfEnviron(env.OCFRoot, provider, typ, instance, r.Attrs)
	return a, nil
}

// ocfName reads provider= and type=, or agent="provider/type" (also
// "ocf:provider:type"); provider defaults to heartbeat.
func ocfName(p params) (string, string, error) {
	provider, typ := p.first("provider"), p.first("type")
	if ag := p.first("agent"); ag != "" && typ == "" {
		ag = strings.TrimPrefix(ag, "ocf:")
		if i := strings.LastIndexAny(ag, "/:"); i >= 0 {
			provider, typ = ag[:i], ag[i+1:]
		} else {
			typ = ag
		}
	}
	if typ == "" {
		return "", "", configErr("parameter type is missing", `add provider="heartbeat" type="Dummy" (the agent's file under $OCF_ROOT/resource.d/PROVIDER/TYPE)`)
	}
	if provider == "" {
		provider = "heartbeat"
	}
	for _, s := range []string{provider, typ} {
		if strings.ContainsAny(s, "/\x00") || s == "." || s == ".." {
			return "", "", configErr(fmt.Sprintf("provider %q / type %q is not a plain name", provider, typ), `write provider="heartbeat" type="Dummy"`)
		}
	}
	return provider, typ, nil
}

// ocfEnviron is the agent's environment: ours without OCF_* variables,
// the OCF 1.1 variables, and each resource attribute (except the agent
// selectors and rgmanager's __ flags) as OCF_RESKEY_<name>.
func ocfEnviron(root, provider, typ, instance string, attrs map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OCF_") {
			out = append(out, kv)
		}
	}
	out = append(out, "OCF_ROOT="+root, "OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1",
		"OCF_RESOURCE_INSTANCE="+instance, "OCF_RESOURCE_TYPE="+typ, "OCF_RESOURCE_PROVIDER="+provider,
		"OCF_CHECK_LEVEL=0")
	var keys []string
	for k := range attrs {
		if !slices.Contains(ocfOwnAttrs, k) && !strings.HasPrefix(k, "__") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, "OCF_RESKEY_"+k+"="+attrs[k])
	}
	return out
}

func (a *ocfAgent) name() string { return a.provider + "/" + a.typ }

// Validate checks the agent is installed, that every parameter its
// meta-data marks required is given, and runs validate-all when the
// agent has it.
func (a *ocfAgent) Validate() error {
	if err := checkExecutable(a.path, "OCF agent "+a.name(), "install it (Debian: apt-get install resource-agents) or fix provider= and type="); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), validateTimeout)
	defer cancel()
	meta := a.meta(ctx)
	if meta == nil {
		return nil // no usable meta-data: nothing more to check
	}
	for _, p := range meta.required() {
		if !a.hasParam(p.Name) {
			return configErr(fmt.Sprintf("parameter %s is required by OCF agent %s (%s)", p.Name, a.name(), strings.TrimSpace(p.ShortDesc)),
				fmt.Sprintf("add %s=\"...\"", p.Name))
		}
	}
	if !meta.hasAction("validate-all") {
		return nil
	}
	code, out, err := run(ctx, []string{a.path, "validate-all"}, a.env)
	if err != nil || code == 0 || code == 3 {
		return err
	}
	return ocfError(a.name()+" validate-all", code, out)
}

func (a *ocfAgent) hasParam(name string) bool {
	return slices.ContainsFunc(a.env, func(kv string) bool { return strings.HasPrefix(kv, "OCF_RESKEY_"+name+"=") })
}

// meta runs "agent meta-data"; nil when it fails or does not parse.
func (a *ocfAgent) meta(ctx context.Context) *ocfMeta {
	code, data, err := runOutput(ctx, []string{a.path, "meta-data"}, a.env)
	if err != nil || code != 0 {
		return nil
	}
	if i := bytes.Index(data, []byte("<")); i > 0 { // skip warnings printed first
		data = data[i:]
	}
	m, err := parseOCFMeta(data)
	if err != nil {
		return nil
	}
	return m
}

func (a *ocfAgent) Start(ctx context.Context) error {
	code, out, err := run(ctx, []string{a.path, "start"}, a.env)
	if err != nil || code == 0 {
		return err
	}
	return ocfError(a.name()+" start", code, out)
}

// Stop accepts 0 and, leniently, 7 (not running).
func (a *ocfAgent) Stop(ctx context.Context) error {
	code, out, err := run(ctx, []string{a.path, "stop"}, a.env)
	if err != nil || code == 0 || code == ocfNotRunning {
		return err
	}
	return ocfError(a.name()+" stop", code, out)
}

// Status runs monitor: 0 (and 8 promoted, 190/191 degraded) running, 7
// stopped, anything else failed.
func (a *ocfAgent) Status(ctx context.Context) (State, error) {
	return a.StatusDepth(ctx, 0)
}

// StatusDepth runs monitor with OCF_CHECK_LEVEL=depth.
func (a *ocfAgent) StatusDepth(ctx context.Context, depth int) (State, error) {
	env := a.env
	if depth != 0 {
		env = slices.Clone(a.env)
		if i := slices.Index(env, "OCF_CHECK_LEVEL=0"); i >= 0 {
			env[i] = "OCF_CHECK_LEVEL=" + strconv.Itoa(depth)
		}
	}
	code, out, err := run(ctx, []string{a.path, "monitor"}, env)
	switch {
	case err != nil:
		return Failed, err
	case code == 0, code == 8, code == 190, code == 191:
		return Running, nil
	case code == ocfNotRunning:
		return Stopped, nil
	}
	return Failed, ocfError(a.name()+" monitor", code, out)
}

const ocfNotRunning = 7

// ocfCodes name the OCF exit codes.
var ocfCodes = map[int]string{0: "OCF_SUCCESS", 1: "OCF_ERR_GENERIC", 2: "OCF_ERR_ARGS", 3: "OCF_ERR_UNIMPLEMENTED",
	4: "OCF_ERR_PERM", 5: "OCF_ERR_INSTALLED", 6: "OCF_ERR_CONFIGURED", 7: "OCF_NOT_RUNNING",
	8: "OCF_RUNNING_PROMOTED", 9: "OCF_FAILED_PROMOTED", 190: "OCF_DEGRADED", 191: "OCF_DEGRADED_PROMOTED"}

func ocfError(cmd string, code int, out string) *ExitError {
	e := &ExitError{Cmd: cmd, Code: code, Meaning: ocfCodes[code], Output: out}
	switch code {
	case 2, 6:
		e.kind = ErrConfig
	case 5:
		e.kind = ErrNotInstalled
	}
	return e
}
