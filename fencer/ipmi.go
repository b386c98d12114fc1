package fencer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/chassis"
	"github.com/bougou/go-ipmi/pkg/types"
)

// Defaults of the native IPMI agent.
const (
	DefaultIPMIPort   = 623
	DefaultIPMICipher = 3 // HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128
)

// IPMIAgent is the built-in IPMI-over-LAN agent (github.com/bougou/go-ipmi).
// It understands the fence_ipmilan parameters: ipaddr or ip, ipport
// (623), login or username, passwd or password (or passwd_script /
// password_script, whose first output line is the password), cipher
// (cipher suite, default 3), lanplus (default on; lanplus="0" selects
// IPMI 1.5), privlvl (administrator). Each Do opens a session, sends one
// command and closes the session.
type IPMIAgent struct {
	// Exchange bounds one UDP request/response (default 1s); Retries
	// resends an unanswered request (default 2). The ctx passed to Do
	// bounds the whole call.
	Exchange time.Duration
	Retries  int
	Log      *slog.Logger
}

// ipmiParams are the parsed connection parameters.
type ipmiParams struct {
	host, user, pass string
	port             int
	cipher           types.CipherSuiteID
	lanplus          bool
	priv             types.PrivilegeLevel
	passScript       string
}

// Do performs off, on, status or monitor. reboot is refused with
// ErrUnsupported: the Fencer does off, verify, on itself.
func (a *IPMIAgent) Do(ctx context.Context, action Action, params map[string]string) (Status, error) {
	if !action.query() && action != ActionOff && action != ActionOn {
		return Unknown, fmt.Errorf("native ipmilan %s: %w", action, ErrUnsupported)
	}
	p, err := parseIPMIParams(params, true)
	if err != nil {
		return Unknown, err
	}
	if p.passScript != "" {
		if p.pass, err = runPasswordScript(ctx, p.passScript); err != nil {
			return Unknown, err
		}
	}
	c, err := a.connect(ctx, p)
	if err != nil {
		return Unknown, err
	}
	defer a.close(c)
	return a.command(ctx, c, p, action)
}

func (a *IPMIAgent) connect(ctx context.Context, p ipmiParams) (*client.Client, error) {
	c, err := client.NewClient(p.host, p.port, p.user, p.pass)
	if err != nil {
		return nil, fmt.Errorf("native ipmilan %s:%d: %w: %v", p.host, p.port, ErrBadParam, err)
	}
	exch, retries := a.Exchange, a.Retries
	if exch <= 0 {
		exch = time.Second
	}
	if retries <= 0 {
		retries = 2
	}
	intf := client.InterfaceLanplus
	if !p.lanplus {
		intf = client.InterfaceLan
	}
	c.WithInterface(intf).WithTimeout(exch).WithRetry(retries).WithMaxPrivilegeLevel(p.priv)
	if p.lanplus {
		c.WithCipherSuiteID(p.cipher)
	}
	if err := c.Connect(ctx); err != nil {
		return nil, classifyIPMI(ctx, fmt.Sprintf("native ipmilan %s:%d: login as %q", p.host, p.port, p.user), err)
	}
	return c, nil
}

// close ends the session; it gets its own short deadline because the
// caller's ctx may have expired.
func (a *IPMIAgent) close(c *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		logger(a.Log).Debug("ipmi close session", "err", err)
	}
}

func (a *IPMIAgent) command(ctx context.Context, c *client.Client, p ipmiParams, action Action) (Status, error) {
	what := fmt.Sprintf("native ipmilan %s:%d: %s", p.host, p.port, action)
	switch action {
	case ActionOff, ActionOn:
		ctl := chassis.ChassisControlPowerDown
		if action == ActionOn {
			ctl = chassis.ChassisControlPowerUp
		}
		if _, err := c.ChassisControl(ctx, ctl); err != nil {
			return Unknown, classifyIPMI(ctx, what, err)
		}
		return Unknown, nil
	default:
		r, err := c.GetChassisStatus(ctx)
		if err != nil {
			return Unknown, classifyIPMI(ctx, what, err)
		}
		if r.PowerIsOn {
			return On, nil
		}
		return Off, nil
	}
}

// classifyIPMI wraps a go-ipmi error in the matching sentinel. go-ipmi
// does not export error values for these cases, so the text is inspected.
func classifyIPMI(ctx context.Context, what string, err error) error {
	msg := strings.ToLower(err.Error())
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w: %v", what, ErrTimeout, err)
	case errors.Is(err, client.ErrRAKPAuthentication), strings.Contains(msg, "rakp"),
		strings.Contains(msg, "unauthorized name"), strings.Contains(msg, "invalid integrity"),
		strings.Contains(msg, "password"), strings.Contains(msg, "authcode"):
		return fmt.Errorf("%s: %w (check login and passwd of the fence device): %v", what, ErrAuth, err)
	case strings.Contains(msg, "refused"), strings.Contains(msg, "timeout"), strings.Contains(msg, "timed out"),
		strings.Contains(msg, "no route"), strings.Contains(msg, "unreachable"), strings.Contains(msg, "i/o"):
		return fmt.Errorf("%s: %w: %v", what, ErrUnreachable, err)
	}
	return fmt.Errorf("%s: %w: %v", what, ErrAgentFailed, err)
}

// parseIPMIParams reads the fence_ipmilan parameters. native selects the
// defaults of the built-in client (lanplus on); Validate uses the same
// rules for the external agent with native=false.
func parseIPMIParams(params map[string]string, native bool) (ipmiParams, error) {
	p := ipmiParams{port: DefaultIPMIPort, cipher: DefaultIPMICipher, priv: types.PrivilegeLevelAdministrator}
	var ok bool
	if p.host, ok = first(params, "ip", "ipaddr"); !ok || p.host == "" {
		return p, fmt.Errorf("%w: fence_ipmilan needs ipaddr (or ip), the BMC address", ErrMissingParam)
	}
	if p.user, ok = first(params, "username", "login"); !ok || p.user == "" {
		return p, fmt.Errorf("%w: fence_ipmilan needs login (or username)", ErrMissingParam)
	}
	p.pass, ok = first(params, "password", "passwd")
	script, hasScript := first(params, "password_script", "passwd_script")
	if !ok && !hasScript {
		return p, fmt.Errorf("%w: fence_ipmilan needs passwd (or password, passwd_script)", ErrMissingParam)
	}
	if !ok {
		p.passScript = script
	}
	if err := parseIPMINumbers(params, &p); err != nil {
		return p, err
	}
	var err error
	if p.lanplus, err = paramBool(params, "lanplus", native); err != nil {
		return p, err
	}
	if _, bad := params["hexadecimal_kg"]; bad && native {
		return p, fmt.Errorf("%w: hexadecimal_kg is not supported by the native IPMI client; remove native=\"1\" to use fence_ipmilan", ErrBadParam)
	}
	return p, nil
}

func parseIPMINumbers(params map[string]string, p *ipmiParams) error {
	if v, ok := first(params, "ipport"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: ipport=%q is not a port number (1..65535)", ErrBadParam, v)
		}
		p.port = n
	}
	if v, ok := first(params, "cipher"); ok {
		n, err := strconv.Atoi(v)
		if _, _, _, known := types.GetCipherSuiteAlgorithms(types.CipherSuiteID(n)); err != nil || n < 0 || n > 19 || !known {
			return fmt.Errorf("%w: cipher=%q is not an IPMI cipher suite (0..19; 3 is the usual one)", ErrBadParam, v)
		}
		p.cipher = types.CipherSuiteID(n)
	}
	if v, ok := first(params, "privlvl"); ok {
		lv, known := map[string]types.PrivilegeLevel{
			"callback": types.PrivilegeLevelCallback, "user": types.PrivilegeLevelUser,
			"operator": types.PrivilegeLevelOperator, "administrator": types.PrivilegeLevelAdministrator,
		}[strings.ToLower(v)]
		if !known {
			return fmt.Errorf("%w: privlvl=%q is not callback, user, operator or administrator", ErrBadParam, v)
		}
		p.priv = lv
	}
	return nil
}

// runPasswordScript runs a passwd_script with sh -c and returns the first
// line of its output, as fence-agents do.
func runPasswordScript(ctx context.Context, script string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/bin/sh", "-c", script).Output()
	if err != nil {
		return "", fmt.Errorf("%w: passwd_script failed: %v", ErrBadParam, err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimRight(line, "\r"), nil
}
