package svcmgr

import (
	"sort"
	"strings"

	"github.com/quorate/quorate/conf"
)

// startLevels orders typed siblings: rgmanager's service.sh start
// numbers (lvm 1 … ip 7, smb 8, script 9) scaled by ten, with quorate's
// own types placed around them. Untyped children (a type not listed)
// follow in file order.
var startLevels = map[string]int{
	"lvm":       10,
	"fs":        20,
	"clusterfs": 30,
	"netfs":     40,
	"nfsexport": 50,
	"nfsclient": 60,
	// portblock action=block: 65 (before ip); action=unblock: 95.
	"ip":      70,
	"smb":     80,
	"script":  90,
	"systemd": 91,
	"ocf":     92,
	"exec":    93,
}

const untypedLevel = 1000

// startLevel is r's position among its siblings; lower starts first.
func startLevel(r conf.Resource) int {
	if r.Type == "portblock" {
		if strings.EqualFold(strings.TrimSpace(r.Attrs["action"]), "unblock") {
			return 95 // reopen the port once everything is up
		}
		return 65 // close the port before the address arrives
	}
	if l, ok := startLevels[r.Type]; ok {
		return l
	}
	return untypedLevel
}

// sortChildren orders siblings by start level, keeping file order among
// equals.
func sortChildren(list []conf.Resource) []conf.Resource {
	out := append([]conf.Resource(nil), list...)
	sort.SliceStable(out, func(i, j int) bool { return startLevel(out[i]) < startLevel(out[j]) })
	return out
}
