package api

import (
	"strings"
	"time"
)

// Presentation conventions shared by clustat and the HTML page, so the two
// never disagree on what a row says.

// TimeLayout is ctime(3)'s layout, the one rgmanager's clustat prints.
// Times are shown in the zone the daemon reported them in.
const TimeLayout = "Mon Jan _2 15:04:05 2006"

// StateTitle capitalises a state word for display: "online" -> "Online".
func StateTitle(state string) string {
	if state == "" {
		return "Unknown"
	}
	return strings.ToUpper(state[:1]) + state[1:]
}

// Configured reports whether the cluster has a quorum disk to show.
func (q QuorumDisk) Configured() bool {
	return q.Device != "" || q.Label != ""
}

// DisplayName is the quorum disk's name in member tables:
// "/dev/loop0 (label qdemo)", or just the device or the label.
func (q QuorumDisk) DisplayName() string {
	switch {
	case q.Device != "" && q.Label != "":
		return q.Device + " (label " + q.Label + ")"
	case q.Device != "":
		return q.Device
	default:
		return "label " + q.Label
	}
}

// Matches reports whether name designates this quorum disk: its display
// name, its device or its label.
func (q QuorumDisk) Matches(name string) bool {
	return q.Configured() && (name == q.DisplayName() || name == q.Device || name == q.Label)
}

// ShowsLastOwner reports whether tables show the last owner, in
// parentheses, instead of the current one: the service runs nowhere.
func (s Service) ShowsLastOwner() bool {
	switch s.State {
	case "stopped", "disabled", "failed", "recovering":
		return true
	}
	return false
}

// FullName is the service name as rgmanager prints it: "service:web" for a
// plain "web"; names that already carry a type prefix are unchanged.
func (s Service) FullName() string {
	return QualifyService(s.Name)
}

// QualifyService prefixes a bare service name with "service:", as
// rgmanager's clustat -s and clusvcadm do.
func QualifyService(name string) string {
	if strings.Contains(name, ":") {
		return name
	}
	return "service:" + name
}

// Duration is a fence operation's duration; for one still pending at the
// status time now, the time it has been running.
func (f FenceEvent) Duration(now time.Time) time.Duration {
	if f.Result == "pending" && !f.Started.IsZero() && now.After(f.Started) {
		return now.Sub(f.Started)
	}
	return time.Duration(f.DurationMS) * time.Millisecond
}
