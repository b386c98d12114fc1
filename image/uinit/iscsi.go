package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/u-root/iscsinl"

	"github.com/quorate/quorate/image/appliance"
)

// iscsiLogin logs in to the target of quorate.iscsi= through the kernel's
// iscsi_tcp initiator, retrying every 5 s until a session exists; the boot
// sequence's disk scan then finds the LUN like any other disk. It never
// opens a second session to the target: each session is another I_T nexus
// (another path, another SCSI-3 registration) to the same LUN.
func iscsiLogin(ctx context.Context, p appliance.Params, st *netState, log *slog.Logger) {
	t := *p.ISCSI
	id := st.identity()
	dhcpName := ""
	if len(id.DHCPNames) > 0 {
		dhcpName = id.DHCPNames[0]
	}
	name := appliance.InitiatorName(p, dhcpName, st.mac)
	for ctx.Err() == nil {
		start := time.Now()
		devs, err := iscsinl.MountIscsi(
			iscsinl.WithTarget(t.Addr(), t.IQN),
			iscsinl.WithInitiator(name),
			iscsinl.WithDigests("None"),
			iscsinl.WithScheduler("none"),
			iscsinl.WithScanTimeout(10*time.Second),
		)
		took := time.Since(start).Round(time.Millisecond)
		switch {
		case err == nil:
			log.Info("iSCSI login", "target", t.String(), "initiator", name, "devices", devs, "took", took)
			st.poke()
			return
		case hasSession(t.IQN):
			log.Warn("iSCSI session up, but setting up its disks failed; using it as it is",
				"target", t.String(), "initiator", name, "err", err, "took", took)
			st.poke()
			return
		}
		log.Warn("iSCSI login failed; retrying in 5s", "target", t.String(), "initiator", name, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
}

// hasSession reports whether the kernel has an iSCSI session to iqn.
func hasSession(iqn string) bool {
	names, _ := filepath.Glob("/sys/class/iscsi_session/session*/targetname")
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil && strings.TrimSpace(string(b)) == iqn {
			return true
		}
	}
	return false
}
