package quorumdisk_test

import (
	"math/rand/v2"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/quorumdisk"
)

var testUUID = quorumdisk.UUID{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

func randBytes(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

func randSet(r *rand.Rand) cluster.NodeSet {
	var s cluster.NodeSet
	for i := range s {
		s[i] = r.Uint64()
	}
	return s
}

// randomSlot draws any slot EncodeSlot accepts, in the form DecodeSlot
// returns (nil, never empty, eviction lists).
func randomSlot(r *rand.Rand) *cluster.Slot {
	s := &cluster.Slot{
		Node:          cluster.NodeID(1 + r.IntN(cluster.MaxNodes)),
		Incarnation:   r.Uint64(),
		Seq:           r.Uint64(),
		State:         cluster.NodeState(r.IntN(7)),
		ConfigVersion: r.Uint64(),
		NetView:       randSet(r),
		Ballot: cluster.Ballot{Lver: r.Uint64(), Mbal: r.Uint64(), Bal: r.Uint64(),
			Owner: cluster.NodeID(r.Uint32()), OwnerIncarnation: r.Uint64()},
		Note: randBytes(r, r.IntN(cluster.NoteLen+1)),
	}
	if r.IntN(2) == 0 {
		s.Master = randomMaster(r)
	}
	return s
}

func randomMaster(r *rand.Rand) *cluster.MasterRecord {
	m := &cluster.MasterRecord{Generation: r.Uint64(), Members: randSet(r), Quorate: r.IntN(2) == 1,
		Votes: uint16(r.Uint32()), Expected: uint16(r.Uint32())}
	n := r.IntN(cluster.MaxEvictions + 1)
	if r.IntN(4) == 0 {
		n = cluster.MaxEvictions
	}
	for range n {
		m.Evictions = append(m.Evictions, cluster.Eviction{Node: cluster.NodeID(1 + r.IntN(cluster.MaxNodes)),
			Incarnation: r.Uint64(), Reason: cluster.EvictReason(r.Uint32())})
	}
	return m
}

func randomHeader(r *rand.Rand) quorumdisk.Header {
	h := quorumdisk.Header{
		FormatVersion: quorumdisk.Version, BlockSize: quorumdisk.BlockSize,
		SectorSize: 512 << r.IntN(4), SlotCount: quorumdisk.SlotCount,
		Label:     randBytes(r, r.IntN(quorumdisk.MaxLabelLen+1)),
		Cluster:   randBytes(r, r.IntN(quorumdisk.MaxClusterLen+1)),
		CreatedBy: randBytes(r, r.IntN(quorumdisk.MaxCreatedByLen+1)),
	}
	for i := range h.UUID {
		h.UUID[i] = byte(r.Uint32())
	}
	if ns := r.Int64(); ns != 0 && r.IntN(5) != 0 {
		h.Created = time.Unix(0, ns).UTC()
	}
	return h
}

// sampleSlot is a typical master's slot.
func sampleSlot(node cluster.NodeID, seq uint64) *cluster.Slot {
	return &cluster.Slot{
		Node: node, Incarnation: 0xabcdef, Seq: seq, State: cluster.StateMaster, ConfigVersion: 7,
		NetView: cluster.SetOf(1, 2, 3),
		Ballot:  cluster.Ballot{Lver: 3, Mbal: 5, Bal: 5, Owner: node, OwnerIncarnation: 0xabcdef},
		Master: &cluster.MasterRecord{Generation: 3, Members: cluster.SetOf(1, 2), Quorate: true, Votes: 3, Expected: 3,
			Evictions: []cluster.Eviction{{Node: 3, Incarnation: 0x42, Reason: cluster.EvictPartition}}},
		Note: "evicted node 3",
	}
}

func block() []byte { return quorumdisk.AlignedBuffer(quorumdisk.BlockSize) }
