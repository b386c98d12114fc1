package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
)

// dumpJSON is the JSON form of mkqdisk -d.
type dumpJSON struct {
	Header           headerJSON `json:"header"`
	DeviceSize       int64      `json:"device_size"`
	DeviceSectorSize int        `json:"device_sector_size"`
	Slots            []slotJSON `json:"slots"` // written slots only
	Summary          summary    `json:"summary"`
}

type summary struct {
	Written int `json:"written"`
	Empty   int `json:"empty"`
	Corrupt int `json:"corrupt"`
	Stale   int `json:"stale"`
}

// slotJSON is one written slot: Status "ok" with the content, or
// "corrupt", "stale" or "unsupported-version" with Error.
type slotJSON struct {
	Node   cluster.NodeID `json:"node"`
	Status string         `json:"status"`
	Error  string         `json:"error,omitempty"`
	// Warning tells that one copy of a good slot is damaged (a torn or
	// interrupted write; the good copy is shown).
	Warning string `json:"warning,omitempty"`
	*SlotBody
}

// SlotBody is the content of a good slot. Incarnations are hex strings:
// they are random 64-bit identifiers, not quantities.
type SlotBody struct {
	Incarnation   string           `json:"incarnation"`
	Seq           uint64           `json:"seq"`
	State         string           `json:"state"`
	ConfigVersion uint64           `json:"config_version"`
	NetView       []cluster.NodeID `json:"net_view"`
	Ballot        ballotJSON       `json:"ballot"`
	Master        *masterJSON      `json:"master,omitempty"`
	Note          string           `json:"note"`
}

type ballotJSON struct {
	Lver             uint64         `json:"lver"`
	Mbal             uint64         `json:"mbal"`
	Bal              uint64         `json:"bal"`
	Owner            cluster.NodeID `json:"owner"`
	OwnerIncarnation string         `json:"owner_incarnation"`
}

type masterJSON struct {
	Generation uint64           `json:"generation"`
	Members    []cluster.NodeID `json:"members"`
	Quorate    bool             `json:"quorate"`
	Votes      uint16           `json:"votes"`
	Expected   uint16           `json:"expected"`
	Evictions  []evictionJSON   `json:"evictions"`
}

type evictionJSON struct {
	Node        cluster.NodeID `json:"node"`
	Incarnation string         `json:"incarnation"`
	Reason      string         `json:"reason"`
}

// dump is mkqdisk -d DEVICE: read-only, so it works while the cluster is
// down and does not disturb it while it is up.
func (c *cli) dump(device string, asJSON bool) error {
	d, err := quorumdisk.OpenReadOnly(device, ioTimeout, c.log)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := d.ReadSlots(1, cluster.MaxNodes)
	if err != nil {
		return err
	}
	out := dumpJSON{Header: toHeaderJSON(device, d.Header()), DeviceSize: d.Size(),
		DeviceSectorSize: d.SectorSize(), Slots: []slotJSON{}}
	for _, r := range res {
		if j, ok := toSlotJSON(r, &out.Summary); ok {
			out.Slots = append(out.Slots, j)
		}
	}
	if asJSON {
		return writeJSON(c.stdout, out)
	}
	printDump(c.stdout, d.Header(), out)
	return nil
}

func toSlotJSON(r quorumdisk.SlotResult, sum *summary) (slotJSON, bool) {
	j := slotJSON{Node: r.Node, Status: "ok"}
	switch {
	case r.Err == nil:
		sum.Written++
		j.SlotBody = toBody(r.Slot)
		if r.Lost != nil {
			j.Warning = fmt.Sprintf("one copy is damaged (%v); the other, shown here, is good", r.Lost)
		}
		return j, true
	case errors.Is(r.Err, quorumdisk.ErrEmpty):
		sum.Empty++
		return j, false
	case errors.Is(r.Err, quorumdisk.ErrStale):
		sum.Stale++
		j.Status = "stale"
	case errors.Is(r.Err, quorumdisk.ErrVersion):
		sum.Corrupt++
		j.Status = "unsupported-version"
	default:
		sum.Corrupt++
		j.Status = "corrupt"
	}
	j.Error = r.Err.Error()
	return j, true
}

func hex64(v uint64) string { return fmt.Sprintf("%#016x", v) }

func toBody(s *cluster.Slot) *SlotBody {
	b := &SlotBody{Incarnation: hex64(s.Incarnation), Seq: s.Seq, State: s.State.String(),
		ConfigVersion: s.ConfigVersion, NetView: ids(s.NetView), Note: s.Note,
		Ballot: ballotJSON{Lver: s.Ballot.Lver, Mbal: s.Ballot.Mbal, Bal: s.Ballot.Bal,
			Owner: s.Ballot.Owner, OwnerIncarnation: hex64(s.Ballot.OwnerIncarnation)}}
	if m := s.Master; m != nil {
		b.Master = &masterJSON{Generation: m.Generation, Members: ids(m.Members), Quorate: m.Quorate,
			Votes: m.Votes, Expected: m.Expected, Evictions: []evictionJSON{}}
		for _, e := range m.Evictions {
			b.Master.Evictions = append(b.Master.Evictions,
				evictionJSON{Node: e.Node, Incarnation: hex64(e.Incarnation), Reason: e.Reason.String()})
		}
	}
	return b
}

func ids(s cluster.NodeSet) []cluster.NodeID {
	if l := s.IDs(); l != nil {
		return l
	}
	return []cluster.NodeID{}
}

func printDump(w io.Writer, h quorumdisk.Header, d dumpJSON) {
	printHeader(w, d.Header.Device, h)
	field(w, "Device size", "%d bytes, sector size %d", d.DeviceSize, d.DeviceSectorSize)
	for _, s := range d.Slots {
		fmt.Fprintln(w)
		if s.SlotBody == nil {
			fmt.Fprintf(w, "Node %d: %s: %s\n", s.Node, strings.ToUpper(s.Status), s.Error)
			continue
		}
		printSlot(w, s.Node, s.SlotBody)
		if s.Warning != "" {
			field(w, "Warning", "%s", s.Warning)
		}
	}
	sum := d.Summary
	fmt.Fprintf(w, "\nSlots: %d written, %d corrupt, %d stale, %d empty\n", sum.Written, sum.Corrupt, sum.Stale, sum.Empty)
}

func printSlot(w io.Writer, node cluster.NodeID, b *SlotBody) {
	fmt.Fprintf(w, "Node %d:\n", node)
	row := func(k, format string, args ...any) { field(w, k, format, args...) }
	row("State", "%s", b.State)
	row("Incarnation", "%s", b.Incarnation)
	row("Seq", "%d", b.Seq)
	row("Config version", "%d", b.ConfigVersion)
	row("Net view", "%s", idList(b.NetView))
	bl := b.Ballot
	row("Ballot", "lver %d, mbal %d, bal %d, owner %d (incarnation %s)", bl.Lver, bl.Mbal, bl.Bal, bl.Owner, bl.OwnerIncarnation)
	if m := b.Master; m != nil {
		row("Master record", "generation %d, members %s, %s, votes %d of %d expected",
			m.Generation, idList(m.Members), quorateText(m.Quorate), m.Votes, m.Expected)
		for _, e := range m.Evictions {
			row("Eviction", "node %d (incarnation %s): %s", e.Node, e.Incarnation, e.Reason)
		}
	}
	row("Note", "%q", b.Note)
}

func idList(l []cluster.NodeID) string {
	var s cluster.NodeSet
	for _, id := range l {
		s.Add(id)
	}
	return s.String()
}

func quorateText(q bool) string {
	if q {
		return "quorate"
	}
	return "inquorate"
}
