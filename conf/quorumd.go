package conf

import (
	"fmt"
	"path"
	"time"
)

// defaultQdiskVotes is the quorum disk's default vote count for n nodes.
func defaultQdiskVotes(n int) int { return max(1, n-1) }

// quorumd decodes <quorumd>, which is required.
func (d *decoder) quorumd(root, e *elem, nodes int) Quorumd {
	if e == nil {
		d.add(root, "quorum disk missing: no <quorumd>", `add <quorumd label="..."/> naming the quorum disk (its mkqdisk label)`)
		return Quorumd{}
	}
	d.checkAttrs(e, attrSpec{known: quorumdAttrs})
	q := Quorumd{Line: e.line}
	q.Label, _ = e.attr("label")
	q.Device, _ = e.attr("device")
	switch {
	case q.Label == "" && q.Device == "":
		d.add(e, "quorum disk missing: <quorumd> has neither label nor device", `add label="..." (the mkqdisk label) or device="/dev/..."`)
	case q.Device != "" && !path.IsAbs(q.Device):
		d.add(e, fmt.Sprintf("device %q is not an absolute path", q.Device), `write the full path, e.g. device="/dev/disk/by-id/..."`)
	}
	d.qdiskTiming(e, &q)
	q.Votes, _ = d.integer(e, "votes", defaultQdiskVotes(nodes), 0, maxVotes)
	q.MasterWins = d.boolean(e, "master_wins", false)
	q.Heuristics = d.heuristics(e, q)
	d.minScore(e, &q)
	q.Watchdog, _ = e.attr("watchdog")
	if q.Watchdog != "" && !path.IsAbs(q.Watchdog) {
		d.add(e, fmt.Sprintf("watchdog %q is not an absolute path", q.Watchdog), `write the device path, e.g. watchdog="/dev/watchdog"`)
	}
	secs, _ := d.integer(e, "watchdog_timeout", DefaultWatchdogTimeout, 1, 3600)
	q.WatchdogTimeout = time.Duration(secs) * time.Second
	return q
}

// DefaultWatchdogTimeout is the hardware watchdog's timeout in seconds
// when <quorumd watchdog=...> gives none (sbd's default).
const DefaultWatchdogTimeout = 5

// qdiskTiming reads interval, tko, tko_up, io_timeout and lease_timeout
// and checks the rules documented in doc.go.
func (d *decoder) qdiskTiming(e *elem, q *Quorumd) {
	q.Interval, _ = d.duration(e, "interval", time.Second, DefaultInterval, false)
	q.TKO, _ = d.integer(e, "tko", DefaultTKO, 2, maxCount)
	q.TKOUp, _ = d.integer(e, "tko_up", DefaultTKOUp, 1, maxCount)
	if q.TKOUp > q.TKO {
		d.add(e, fmt.Sprintf("tko_up %d is larger than tko %d", q.TKOUp, q.TKO), fmt.Sprintf("set tko_up to at most %d", q.TKO))
	}
	var given bool
	q.IOTimeout, given = d.duration(e, "io_timeout", time.Second, q.Interval, false)
	if given && q.IOTimeout > q.Interval {
		d.add(e, fmt.Sprintf("io_timeout %s is longer than interval %s, so a slow write would make this node's slot look stale", secs(q.IOTimeout), secs(q.Interval)),
			fmt.Sprintf("set io_timeout to at most %s or interval to at least %s", formatDecimal(q.Interval, time.Second), formatDecimal(q.IOTimeout, time.Second)))
	}
	detect := q.Interval * time.Duration(q.TKO)
	def := q.Interval * time.Duration(q.TKO+2)
	q.LeaseTimeout, given = d.duration(e, "lease_timeout", time.Second, def, false)
	if given && q.LeaseTimeout <= detect {
		d.add(e, fmt.Sprintf("lease_timeout %s is not longer than interval × tko = %s, so the arbiter lease could lapse while its holder still counts as alive", secs(q.LeaseTimeout), secs(detect)),
			fmt.Sprintf("set lease_timeout above %s (default interval × (tko+2) = %s), or lower interval or tko", formatDecimal(detect, time.Second), formatDecimal(def, time.Second)))
		return
	}
	// The holder and its followers stop trusting the lease io_timeout +
	// lease_timeout/10 before it runs out (see package cluster); what is
	// left must cover two renewals.
	if left := q.LeaseTimeout - q.IOTimeout - q.LeaseTimeout/10; left < 2*q.Interval {
		need := (2*q.Interval + q.IOTimeout) * 10 / 9
		d.add(e, fmt.Sprintf("lease_timeout %s leaves the lease holder %s to renew after the safety margin (io_timeout + lease_timeout/10), less than two intervals", secs(q.LeaseTimeout), secs(max(left, 0))),
			fmt.Sprintf("set lease_timeout to at least %s, or lower io_timeout", formatDecimal(need+time.Millisecond, time.Second)))
	}
}

// heuristics decodes the <heuristic> children of <quorumd>.
func (d *decoder) heuristics(e *elem, q Quorumd) []Heuristic {
	var out []Heuristic
	for _, he := range d.kids(e, "heuristic")["heuristic"] {
		d.checkAttrs(he, attrSpec{known: heuristicAttrs})
		d.kids(he)
		h := Heuristic{Program: d.required(he, "program", "ping -c1 -w1 192.168.1.254"), Line: he.line}
		h.Score, _ = d.integer(he, "score", 1, 1, maxCount)
		h.Interval, _ = d.duration(he, "interval", time.Second, q.Interval, false)
		h.TKO, _ = d.integer(he, "tko", q.TKO, 1, maxCount)
		out = append(out, h)
	}
	return out
}

// minScore reads min_score, which must be reachable by the heuristics.
func (d *decoder) minScore(e *elem, q *Quorumd) {
	var given bool
	q.MinScore, given = d.integer(e, "min_score", 0, 0, maxCount)
	if !given || q.MinScore == 0 {
		return
	}
	total := 0
	for _, h := range q.Heuristics {
		total += h.Score
	}
	switch {
	case len(q.Heuristics) == 0:
		d.add(e, fmt.Sprintf("min_score %d is set but there is no <heuristic>", q.MinScore), "add <heuristic> elements or remove min_score")
	case q.MinScore > total:
		d.add(e, fmt.Sprintf("min_score %d is more than the heuristics' total score %d, so no node could ever qualify", q.MinScore, total),
			fmt.Sprintf("set min_score to at most %d", total))
	}
}
