package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/quorate/quorate/api"
)

// memberRow is one row of the member table: a node, or the quorum disk.
type memberRow struct {
	name   string
	id     int
	state  string
	local  bool
	master bool
	qdisk  bool
}

func (r memberRow) online() bool { return r.state == "online" }

// statusText is the Status column: "Online, Local, Master".
func (r memberRow) statusText() string {
	s := api.StateTitle(r.state)
	if r.local {
		s += ", Local"
	}
	if r.master {
		s += ", Master"
	}
	if r.qdisk {
		s += ", Quorum Disk"
	}
	return s
}

// report is what one clustat run shows: which sections, which rows, and the
// exit code the selection implies.
type report struct {
	st           *api.Status
	members      []memberRow
	services     []api.Service
	showSummary  bool // cluster name, time, quorum line (and fencing)
	showMembers  bool
	showServices bool
	exit         int
}

// newReport applies -m and -s to st the way rgmanager's clustat does: -m
// alone shows that member, -s alone that service, both show both. It fails
// when the named member or service does not exist.
func newReport(st *api.Status, member, service string) (*report, error) {
	r := &report{
		st:           st,
		members:      memberRows(st),
		services:     sortedServices(st.Services),
		showSummary:  member == "" && service == "",
		showMembers:  member != "" || service == "",
		showServices: service != "" || member == "",
	}
	if member != "" {
		row, err := findMember(r.members, st.QuorumDisk, member)
		if err != nil {
			return nil, err
		}
		r.members = []memberRow{row}
		if !row.online() {
			r.exit = 1
		}
	}
	if service != "" {
		svc, err := findService(r.services, service)
		if err != nil {
			return nil, err
		}
		r.services = []api.Service{svc}
		if r.exit == 0 {
			r.exit = serviceExit(svc.State)
		}
	}
	return r, nil
}

// memberRows lists the nodes by id, then the quorum disk if there is one.
func memberRows(st *api.Status) []memberRow {
	rows := make([]memberRow, 0, len(st.Members)+1)
	for _, m := range st.Members {
		rows = append(rows, memberRow{name: m.Name, id: m.ID, state: m.State, local: m.Local, master: m.Master})
	}
	slices.SortStableFunc(rows, func(a, b memberRow) int { return cmp.Compare(a.id, b.id) })
	if q := st.QuorumDisk; q.Configured() {
		rows = append(rows, memberRow{name: q.DisplayName(), id: q.ID, state: q.State, qdisk: true})
	}
	return rows
}

func sortedServices(in []api.Service) []api.Service {
	out := slices.Clone(in)
	slices.SortStableFunc(out, func(a, b api.Service) int { return strings.Compare(a.FullName(), b.FullName()) })
	return out
}

// findMember finds a node by name, or the quorum disk (q) by its row name,
// device or label.
func findMember(rows []memberRow, q api.QuorumDisk, name string) (memberRow, error) {
	names := make([]string, 0, len(rows))
	for _, r := range rows {
		if r.name == name || (r.qdisk && q.Matches(name)) {
			return r, nil
		}
		names = append(names, r.name)
	}
	return memberRow{}, fmt.Errorf("member %q is not in the cluster (members: %s)", name, strings.Join(names, ", "))
}

// findService finds a service by name; a bare name means "service:name".
func findService(svcs []api.Service, name string) (api.Service, error) {
	full := api.QualifyService(name)
	names := make([]string, 0, len(svcs))
	for _, s := range svcs {
		if s.FullName() == full {
			return s, nil
		}
		names = append(names, s.FullName())
	}
	if len(names) == 0 {
		return api.Service{}, fmt.Errorf("service %q does not exist (no services are configured)", full)
	}
	return api.Service{}, fmt.Errorf("service %q does not exist (services: %s)", full, strings.Join(names, ", "))
}
