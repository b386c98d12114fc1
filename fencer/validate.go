package fencer

import (
	"fmt"

	"github.com/quorate/quorate/conf"
)

// Validate checks the fence configuration of every node without touching
// any device: each <device> names a <fencedevice>, its agent is installed
// (native fence_ipmilan always is) and its parameters are complete and
// well-formed (fence_ipmilan: ipaddr or ip, login or username, passwd or
// password or a passwd_script; numeric ipport, cipher, power_timeout). It
// also reports nodes without fence methods (ErrNoMethods, which a caller
// may treat as a warning when the quorum disk's poison pill backed by a
// watchdog is the intended fence). Each error is a
// *ConfigError naming the node, method, device and cluster.conf line.
// Used by validation tools and at daemon start.
func (f *Fencer) Validate(c *conf.Cluster) []error {
	if c == nil {
		return []error{fmt.Errorf("%w: no cluster configuration", ErrConfig)}
	}
	var errs []error
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if len(n.Fence) == 0 {
			errs = append(errs, configError(ErrNoMethods, n.Name, "", "", n.Line,
				"no fence methods; the node can only be fenced by the quorum disk's poison pill",
				`add <fence><method name="1"><device name="..."/></method></fence> to the <clusternode>`))
		}
		for _, m := range n.Fence {
			errs = append(errs, f.validateDevices(c, n, m.Name, m.Devices, "")...)
		}
		errs = append(errs, f.validateDevices(c, n, "unfence", n.Unfence, ActionOn)...)
	}
	return errs
}

func (f *Fencer) validateDevices(c *conf.Cluster, n *conf.Node, method string, devs []conf.FenceDeviceRef, forced Action) []error {
	var errs []error
	for _, ref := range devs {
		p, err := f.plan(c, n, method, ref, forced)
		if err == nil && p.action.query() {
			err = configError(ErrBadParam, n.Name, method, ref.Name, ref.Line,
				fmt.Sprintf("action %q does not fence", p.action), `use action="off", "on" or "reboot"`)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
