package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quorate/quorate/api"
)

// Column widths of rgmanager's clustat on an 80-column terminal.
const (
	memberWidth  = 40 // cols/2
	serviceWidth = 30 // (cols - (statsize+6)) / 2
	ownerWidth   = 30
	stateWidth   = 14
	fenceRows    = 5 // fence history entries shown
)

// fenceTimeLayout is shorter than ctime so the fencing table fits 80 columns.
const fenceTimeLayout = "Jan _2 15:04:05"

// textWriter writes rgmanager-style lines without trailing blanks.
type textWriter struct{ w io.Writer }

func (t textWriter) line(format string, args ...any) {
	io.WriteString(t.w, strings.TrimRight(fmt.Sprintf(format, args...), " ")+"\n")
}

// col truncates or pads s to exactly width runes, as printf's "%-W.Ws".
func col(s string, width int) string {
	s = trunc(s, width)
	return s + strings.Repeat(" ", width-utf8.RuneCountInString(s))
}

// trunc cuts s to at most width runes, as printf's "%.Ws".
func trunc(s string, width int) string {
	if r := []rune(s); len(r) > width {
		return string(r[:width])
	}
	return s
}

// writeText renders r as rgmanager's clustat text output.
func writeText(w io.Writer, r *report, long bool) {
	t := textWriter{w}
	if r.showSummary {
		writeSummary(t, r.st)
	}
	if r.showMembers {
		writeMembers(t, r.members, r.showSummary)
	}
	hasServices := r.showServices && len(r.services) > 0
	if hasServices && long {
		writeServicesLong(t, r.services) // each entry ends with a blank line
	} else if hasServices {
		writeServices(t, r.services)
	}
	if r.showSummary && len(r.st.Fencing) > 0 {
		if hasServices && !long {
			t.line("")
		}
		writeFencing(t, r.st)
	}
	if r.showSummary && len(r.st.Reservations) > 0 {
		if hasServices && !long || len(r.st.Fencing) > 0 {
			t.line("")
		}
		writeReservations(t, r.st.Reservations)
	}
}

func writeSummary(t textWriter, st *api.Status) {
	t.line("Cluster Status for %s @ %s", st.Cluster.Name, st.Time.Format(api.TimeLayout))
	q := "Inquorate"
	if st.Quorum.Quorate {
		q = "Quorate"
	}
	t.line("Member Status: %s", q)
	t.line("")
}

func writeMembers(t textWriter, rows []memberRow, blankAfter bool) {
	t.line(" %s%-4.4s %s", col("Member Name", memberWidth), "ID", "Status")
	t.line(" %s%-4.4s %s", col("------ ----", memberWidth), "----", "------")
	for _, m := range rows {
		t.line(" %s %4d %s", col(m.name, memberWidth), m.id, m.statusText())
	}
	if blankAfter {
		t.line("")
	}
}

func writeServices(t textWriter, svcs []api.Service) {
	t.line(" %s %s %s", col("Service Name", serviceWidth), col("Owner (Last)", ownerWidth), col("State", stateWidth))
	t.line(" %s %s %s", col("------- ----", serviceWidth), col("----- ------", ownerWidth), col("-----", stateWidth))
	for _, s := range svcs {
		t.line(" %s %s %s", col(s.FullName(), serviceWidth), col(ownerText(s), ownerWidth), col(stateText(s), stateWidth))
	}
}

// ownerText is the Owner (Last) column: the last owner in parentheses when
// the service runs nowhere.
func ownerText(s api.Service) string {
	if s.ShowsLastOwner() {
		return "(" + trunc(nameOrNone(s.LastOwner), ownerWidth-2) + ")"
	}
	return nameOrNone(s.Owner)
}

// stateText is the State column, with short flags such as "[Z]" at its end.
func stateText(s api.Service) string {
	_, _, short := flags(s.Frozen)
	if short == "" {
		return s.State
	}
	return col(s.State, stateWidth-2-len(short)) + "[" + short + "]"
}

func nameOrNone(name string) string {
	if name == "" {
		return "none"
	}
	return name
}

func writeServicesLong(t textWriter, svcs []api.Service) {
	t.line("Service Information")
	t.line("------- -----------")
	t.line("")
	for _, s := range svcs {
		val, long, _ := flags(s.Frozen)
		t.line("Service Name      : %s", s.FullName())
		t.line("  Current State   : %s (%d)", s.State, stateCode(s.State))
		t.line("  Flags           : %s (%d)", cmp.Or(long, "none"), val)
		t.line("  Owner           : %s", nameOrNone(s.Owner))
		t.line("  Last Owner      : %s", nameOrNone(s.LastOwner))
		t.line("  Last Transition : %s", transitionText(s.LastTransition))
		if s.Reason != "" {
			t.line("  Reason          : %s", s.Reason)
		}
		t.line("")
	}
}

// transitionText formats a transition time; rgmanager printed the epoch
// for a service that never moved.
func transitionText(ts time.Time) string {
	if ts.IsZero() {
		ts = time.Unix(0, 0).UTC()
	}
	return ts.Format(api.TimeLayout)
}

// writeFencing lists the last fenceRows fence operations, oldest first.
func writeFencing(t textWriter, st *api.Status) {
	events := slices.Clone(st.Fencing)
	slices.SortStableFunc(events, func(a, b api.FenceEvent) int { return a.Started.Compare(b.Started) })
	if len(events) > fenceRows {
		events = events[len(events)-fenceRows:]
	}
	t.line(" %s %s %s %s %s %8s", col("Fence Target", 15), col("Method", 8), col("Device", 15), col("Result", 8), col("Started", 15), "Duration")
	t.line(" %s %s %s %s %s %8s", col("----- ------", 15), col("------", 8), col("------", 15), col("------", 8), col("-------", 15), "--------")
	for _, f := range events {
		d := f.Duration(st.Time).Round(100 * time.Millisecond)
		t.line(" %s %s %s %s %s %8s", col(f.Node, 15), col(f.Method, 8), col(f.Device, 15), col(f.Result, 8),
			col(f.Started.Format(fenceTimeLayout), 15), d)
	}
}

// writeReservations lists this node's SCSI-3 reservation LUNs (fence_scsi
// devices) as quorated last read them: its own key and state, how many
// keys are registered, and who holds the reservation.
func writeReservations(t textWriter, rs []api.Reservation) {
	t.line(" %s %s %s %4s %s", col("SCSI Reservation Device", 30), col("Own Key", 18), col("State", 14), "Keys", "Holder (Type)")
	t.line(" %s %s %s %4s %s", col("---- ----------- ------", 30), col("--- ---", 18), col("-----", 14), "----", "------ ------")
	for _, r := range rs {
		holder := "none"
		if r.Holder != "" {
			holder = r.Holder + " (" + cmp.Or(r.Type, "?") + ")"
		}
		t.line(" %s %s %s %4d %s", col(r.Device, 30), col(r.Key, 18), col(r.State, 14), len(r.Keys), holder)
		if r.Error != "" {
			t.line("   error: %s", r.Error)
		}
	}
}
