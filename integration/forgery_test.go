//go:build integration

package integration

import (
	"encoding/binary"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/integration/harness"
	"github.com/quorate/quorate/netheart"
	"github.com/quorate/quorate/quorumdisk"
)

// captureTo sniffs loopback with an AF_PACKET socket and returns the UDP
// payload of the first packet sent to port.
func captureTo(t *testing.T, port int) []byte {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_DGRAM, int(htons(syscall.ETH_P_IP)))
	if err != nil {
		t.Skipf("AF_PACKET: %v", err)
	}
	defer syscall.Close(fd)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_IP), Ifindex: lo.Index}); err != nil {
		t.Fatal(err)
	}
	tv := syscall.NsecToTimeval(int64(2 * time.Second))
	syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	buf := make([]byte, 65536)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil || n < 28 || buf[9] != syscall.IPPROTO_UDP {
			continue
		}
		ihl := int(buf[0]&0x0f) * 4
		udp := buf[ihl:n]
		if int(binary.BigEndian.Uint16(udp[2:4])) == port {
			return append([]byte(nil), udp[8:]...)
		}
	}
	t.Fatalf("no heartbeat to port %d captured", port)
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func counters(t *testing.T, n *harness.Node) map[string]uint64 {
	st, err := n.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st.Counters
}

func TestForgedReplayedAndCorruptInputIgnoredAndCounted(t *testing.T) {
	c, master := start(t, harness.Options{Nodes: 3})
	target := c.Node(master)
	before := counters(t, target)

	// A replayed packet: a real heartbeat to the master, captured and sent again.
	pkt := captureTo(t, target.Port)
	conn, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", itoa(target.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(50 * time.Millisecond) // let the sender's later heartbeats raise the high-water mark
	conn.Write(pkt)

	// A forged packet: well-formed, for this cluster, signed with the wrong key.
	wrongKey := make([]byte, 32)
	forged := netheart.Encode(netheart.Packet{Type: 1, Cluster: netheart.ClusterID("itest"), Sender: 2, To: cluster.NodeID(target.ID),
		Incarnation: 7, Seq: uint64(time.Now().UnixNano()) + 1e12,
		Heartbeat: cluster.Heartbeat{From: 2, Incarnation: 7, State: cluster.StateMember}}, wrongKey)
	conn.Write(forged)

	// A corrupt block: garbage in one copy of the slot of a configured node
	// that is down (dropped and counted; its other copy still reads).
	down := victim(c, master)
	down.Kill()
	f, err := os.OpenFile(c.Device, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, quorumdisk.BlockSize)
	copy(junk, "QRAT this is not a valid slot block")
	junk[100] = 0xff
	f.WriteAt(junk, quorumdisk.SlotOffset(cluster.NodeID(down.ID)))
	f.Sync()
	f.Close()

	var after map[string]uint64
	ok := false
	harness.Until(3*time.Second, 20*time.Millisecond, func() bool {
		after = counters(t, target)
		ok = after["packets_replayed"] > before["packets_replayed"] && after["packets_bad_mac"] > before["packets_bad_mac"] &&
			after["disk_corrupt_blocks"] > before["disk_corrupt_blocks"]
		return ok
	})
	if !ok {
		t.Fatalf("counters did not move: before %v after %v", before, after)
	}
	// None of it was believed: the master still leads a quorate cluster
	// and shows the killed node offline, not revived by the forgery.
	st, err := target.Status()
	if err != nil || !st.Quorum.Quorate {
		t.Fatalf("master not quorate after the bad input: %v", err)
	}
	harness.Until(3*time.Second, 20*time.Millisecond, func() bool { return target.MemberState(down.Name) == "offline" })
	if s := target.MemberState(down.Name); s != "offline" {
		t.Errorf("%s shown %q after its slot was corrupted, want offline", down.Name, s)
	}
	t.Logf("counters after: replayed=%d bad_mac=%d bad_slots=%d corrupt_blocks=%d",
		after["packets_replayed"], after["packets_bad_mac"], after["bad_slots"], after["disk_corrupt_blocks"])
}

func itoa(i int) string { return strconv.Itoa(i) }
