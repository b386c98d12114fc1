package svcmgr

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/quorate/quorate/conf"
)

// scriptAgent runs an LSB init script: file start|stop|status.
type scriptAgent struct {
	file string
	env  Env
}

func newScript(r conf.Resource, env Env) (Agent, error) {
	file, err := params(r.Attrs).required("file", "/etc/init.d/"+orDefault(r.Attrs["name"], "myservice"))
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(file) {
		return nil, configErr(fmt.Sprintf("file %q is not an absolute path", file), "write the full path, e.g. file=\"/etc/init.d/"+filepath.Base(file)+"\"")
	}
	return &scriptAgent{file: file, env: env}, nil
}

func (a *scriptAgent) Validate() error {
	return checkExecutable(a.file, "init script", "install it or fix file=")
}

func (a *scriptAgent) Start(ctx context.Context) error { return a.action(ctx, "start") }
func (a *scriptAgent) Stop(ctx context.Context) error  { return a.action(ctx, "stop") }

// action runs a start or stop action: exit 0 is success (LSB).
func (a *scriptAgent) action(ctx context.Context, act string) error {
	code, out, err := run(ctx, []string{a.file, act}, os.Environ())
	if err != nil {
		return err
	}
	if code != 0 {
		return lsbError(a.file+" "+act, code, out, false)
	}
	return nil
}

// Status maps LSB status codes: 0 running, 3 stopped, others failed.
func (a *scriptAgent) Status(ctx context.Context) (State, error) {
	code, out, err := run(ctx, []string{a.file, "status"}, os.Environ())
	switch {
	case err != nil:
		return Failed, err
	case code == 0:
		return Running, nil
	case code == 3:
		return Stopped, nil
	}
	return Failed, lsbError(a.file+" status", code, out, true)
}

// LSB exit code meanings.
var (
	lsbActionCodes = map[int]string{1: "generic or unspecified error", 2: "invalid or excess arguments",
		3: "unimplemented feature", 4: "user had insufficient privilege", 5: "program is not installed",
		6: "program is not configured", 7: "program is not running"}
	lsbStatusCodes = map[int]string{1: "program is dead and /var/run pid file exists",
		2: "program is dead and /var/lock lock file exists", 4: "program or service status is unknown"}
)

func lsbError(cmd string, code int, out string, status bool) *ExitError {
	e := &ExitError{Cmd: cmd, Code: code, Output: out}
	meanings := lsbActionCodes
	if status {
		meanings = lsbStatusCodes
	}
	if m, ok := meanings[code]; ok {
		e.Meaning = "LSB: " + m
	}
	if status {
		return e
	}
	switch code {
	case 2, 6:
		e.kind = ErrConfig
	case 5:
		e.kind = ErrNotInstalled
	}
	return e
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
