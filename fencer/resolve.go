package fencer

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/quorate/quorate/conf"
)

// ipmiAgents can be served by the native IPMI client.
var ipmiAgents = map[string]bool{"fence_ipmilan": true, "fence_ipmilanplus": true}

var agentNameRE = regexp.MustCompile(`^fence_[A-Za-z0-9_.-]+$`)

// defaultAgentDirs is $PATH followed by /usr/sbin and /sbin, where
// fence-agents installs its agents.
func defaultAgentDirs() []string {
	dirs := filepath.SplitList(os.Getenv("PATH"))
	return append(dirs, "/usr/sbin", "/sbin")
}

// findAgent returns the path of an executable agent called name in dirs.
func findAgent(dirs []string, name string) (string, bool) {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// resolved is the agent chosen for one device.
type resolved struct {
	agent Agent
	name  string // the agent= name
	kind  string // "custom", "native" or the external agent's path
}

// resolve picks the implementation for agent name with the device's
// merged params: Options.Agents first, then the built-in fence_scsi
// (always: native="0" is refused), then native IPMI when asked for
// (native="1") or when fence_ipmilan is not installed, then the
// executable found in AgentDirs.
func (f *Fencer) resolve(name string, params map[string]string) (resolved, error) {
	if a, ok := f.opts.Agents[name]; ok {
		return resolved{agent: a, name: name, kind: "custom"}, nil
	}
	if !agentNameRE.MatchString(name) {
		return resolved{}, fmt.Errorf("%w: agent %q is not a fence agent name (fence_xxx, no path)", ErrUnknownAgent, name)
	}
	native, err := paramBool(params, paramNative, false)
	if err != nil {
		return resolved{}, err
	}
	_, nativeSet := params[paramNative]
	if name == conf.FenceSCSI {
		if nativeSet && !native {
			return resolved{}, fmt.Errorf("%w: fence_scsi with native=\"0\": quorated always runs fence_scsi itself (Debian's fence_scsi takes its keys and the cluster name from corosync, which a quorate node does not run); remove native=\"0\"", ErrBadParam)
		}
		return resolved{name: name, kind: "native"}, nil // the agent is bound to the request by plan
	}
	path, found := findAgent(f.opts.AgentDirs, name)
	if ipmiAgents[name] && (native || (!found && !nativeSet)) {
		return resolved{agent: f.ipmi, name: name, kind: "native"}, nil
	}
	if native {
		return resolved{}, fmt.Errorf("%w: native=\"1\" is only supported for fence_ipmilan and fence_scsi, not %s", ErrBadParam, name)
	}
	if !found {
		return resolved{}, fmt.Errorf("%w: %s is not installed in %s", ErrUnknownAgent, name, strings.Join(f.opts.AgentDirs, ":"))
	}
	return resolved{agent: &ExternalAgent{Path: path, Log: f.log}, name: name, kind: path}, nil
}
