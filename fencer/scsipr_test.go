package fencer

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	var v byte
	n := 0
	for _, c := range s {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = byte(c - '0')
		case c >= 'a' && c <= 'f':
			d = byte(c-'a') + 10
		case c == ' ' || c == '|':
			continue
		default:
			t.Fatalf("bad hex %q", c)
		}
		v = v<<4 | d
		if n++; n == 2 {
			out, v, n = append(out, v), 0, 0
		}
	}
	return out
}

func TestKeyFor(t *testing.T) {
	// md5("alpha") = 2c1743a391305fbf367df8e4f069f9f9 (python3 hashlib).
	for _, tc := range []struct {
		id   int
		want PRKey
	}{{1, 0x2c170001}, {3, 0x2c170003}, {12, 0x2c170012}, {256, 0x2c170256}, {9999, 0x2c179999}} {
		if k, err := KeyFor("alpha", tc.id); err != nil || k != tc.want {
			t.Errorf("KeyFor(alpha, %d) = %v, %v; want %v", tc.id, k, err, tc.want)
		}
	}
	if k, _ := KeyFor("alpha", 3); k.String() != "0x2c170003" {
		t.Errorf("String = %s", k)
	}
	for _, id := range []int{0, -1, 10000} {
		if _, err := KeyFor("alpha", id); !errors.Is(err, ErrBadParam) {
			t.Errorf("KeyFor(alpha, %d) = %v, want ErrBadParam", id, err)
		}
	}
}

func TestPROutEncoding(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cmd         PROut
		cdb, params string
	}{
		{"register", PROut{Action: PROutRegister, SAKey: 0xAAAA},
			"5f 00 00 00 00 00 00 00 18 00",
			"0000000000000000 000000000000aaaa 00000000 00 00 0000"},
		{"register and ignore, aptpl", PROut{Action: PROutRegisterIgnore, SAKey: 0x2c170003, APTPL: true},
			"5f 06 00 00 00 00 00 00 18 00",
			"0000000000000000 000000002c170003 00000000 01 00 0000"},
		{"reserve WERO", PROut{Action: PROutReserve, Type: PRWriteExclusiveRegistrants, Key: 0xAAAA},
			"5f 01 05 00 00 00 00 00 18 00",
			"000000000000aaaa 0000000000000000 00000000 00 00 0000"},
		{"preempt and abort", PROut{Action: PROutPreemptAndAbort, Type: 5, Key: 0xBBBB, SAKey: 0xAAAA},
			"5f 05 05 00 00 00 00 00 18 00",
			"000000000000bbbb 000000000000aaaa 00000000 00 00 0000"},
		{"preempt", PROut{Action: PROutPreempt, Type: 5, Key: 0xBBBB, SAKey: 0xAAAA},
			"5f 04 05 00 00 00 00 00 18 00",
			"000000000000bbbb 000000000000aaaa 00000000 00 00 0000"},
		{"clear", PROut{Action: PROutClear, Key: 0x0102030405060708},
			"5f 03 00 00 00 00 00 00 18 00",
			"0102030405060708 0000000000000000 00000000 00 00 0000"},
		{"release, all target ports, spec_i_pt", PROut{Action: PROutRelease, Type: 5, Key: 1, AllTgPt: true, SpecIPT: true},
			"5f 02 05 00 00 00 00 00 18 00",
			"0000000000000001 0000000000000000 00000000 0c 00 0000"},
	} {
		cdb, params := tc.cmd.CDB(), tc.cmd.Params()
		if want := hexBytes(t, tc.cdb); !bytes.Equal(cdb[:], want) {
			t.Errorf("%s: CDB = % x, want % x", tc.name, cdb, want)
		}
		if want := hexBytes(t, tc.params); !bytes.Equal(params[:], want) {
			t.Errorf("%s: params = % x, want % x", tc.name, params, want)
		}
		if got, err := DecodePROut(cdb[:], params[:]); err != nil || got != tc.cmd {
			t.Errorf("%s: decode = %+v, %v", tc.name, got, err)
		}
	}
	if _, err := DecodePROut(hexBytes(t, "5f 00 00 00 00 00 00 00 10 00"), make([]byte, 24)); !errors.Is(err, ErrShortResponse) {
		t.Errorf("parameter list length 16 accepted: %v", err)
	}
}

func TestPRInEncoding(t *testing.T) {
	cdb := PRInCDB(PRInReadKeys, 1024)
	if want := hexBytes(t, "5e 00 00 00 00 00 00 04 00 00"); !bytes.Equal(cdb[:], want) {
		t.Errorf("READ KEYS CDB = % x", cdb)
	}
	cdb = PRInCDB(PRInReadReservation, 24)
	if want := hexBytes(t, "5e 01 00 00 00 00 00 00 18 00"); !bytes.Equal(cdb[:], want) {
		t.Errorf("READ RESERVATION CDB = % x", cdb)
	}
	if sa, n, err := DecodePRInCDB(cdb[:]); err != nil || sa != PRInReadReservation || n != 24 {
		t.Errorf("decode = %v %v %v", sa, n, err)
	}
}

func TestReadKeysDecoding(t *testing.T) {
	b := hexBytes(t, "00000007 00000010 000000000000aaaa 000000000000bbbb")
	k, err := DecodeReadKeys(b)
	if want := (Keys{Generation: 7, Keys: []PRKey{0xAAAA, 0xBBBB}}); err != nil || !reflect.DeepEqual(k, want) {
		t.Errorf("decode = %+v, %v", k, err)
	}
	if !bytes.Equal(k.Encode(), b) || !k.Has(0xBBBB) || k.Has(0xCCCC) {
		t.Errorf("encode = % x", k.Encode())
	}
	if k, err := DecodeReadKeys(hexBytes(t, "00000001 00000000")); err != nil || k.Generation != 1 || len(k.Keys) != 0 {
		t.Errorf("empty list = %+v, %v", k, err)
	}
	for _, bad := range []string{"000000", "00000001 0000000c 0000000000000001 00000000", "00000001 00000010 0000000000000001"} {
		if _, err := DecodeReadKeys(hexBytes(t, bad)); !errors.Is(err, ErrShortResponse) {
			t.Errorf("DecodeReadKeys(%s) = %v, want ErrShortResponse", bad, err)
		}
	}
}

func TestReadReservationDecoding(t *testing.T) {
	b := hexBytes(t, "00000009 00000010 000000002c170001 00000000 00 05 0000")
	r, err := DecodeReadReservation(b)
	if want := (Reservation{Generation: 9, Reserved: true, Key: 0x2c170001, Type: PRWriteExclusiveRegistrants}); err != nil || r != want {
		t.Errorf("decode = %+v, %v", r, err)
	}
	if !bytes.Equal(r.Encode(), b) {
		t.Errorf("encode = % x", r.Encode())
	}
	none := hexBytes(t, "00000009 00000000")
	if r, err := DecodeReadReservation(none); err != nil || r.Reserved || r.Generation != 9 || !bytes.Equal(r.Encode(), none) {
		t.Errorf("no reservation = %+v, %v", r, err)
	}
	for _, bad := range []string{"0000", "00000001 00000008 0000000000000000", "00000001 00000010 0000000000000001"} {
		if _, err := DecodeReadReservation(hexBytes(t, bad)); !errors.Is(err, ErrShortResponse) {
			t.Errorf("DecodeReadReservation(%s) = %v, want ErrShortResponse", bad, err)
		}
	}
}

func TestSenseDecoding(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want Sense
		text string
	}{
		// tgt rejecting PREEMPT AND ABORT: fixed, ILLEGAL REQUEST, INVALID FIELD IN CDB
		{"70 00 05 00000000 0a 00000000 24 00 00 000000", Sense{0x70, SenseIllegalRequest, 0x24, 0x00}, "ILLEGAL REQUEST: INVALID FIELD IN CDB (0x24/0x00)"},
		// VALID bit set, deferred
		{"f1 00 06 00000000 0a 00000000 29 00 00 000000", Sense{0x71, SenseUnitAttention, 0x29, 0x00}, "UNIT ATTENTION: POWER ON, RESET, OR BUS DEVICE RESET OCCURRED (0x29/0x00)"},
		// descriptor: UNIT ATTENTION, REGISTRATIONS PREEMPTED
		{"72 06 2a 05 00 00 00 00", Sense{0x72, SenseUnitAttention, 0x2a, 0x05}, "UNIT ATTENTION: REGISTRATIONS PREEMPTED (0x2a/0x05)"},
		// fixed with additional length 0: no ASC/ASCQ
		{"70 00 02 00000000 00", Sense{0x70, SenseNotReady, 0, 0}, "NOT READY: ASC/ASCQ 0x00/0x00"},
	} {
		s, err := DecodeSense(hexBytes(t, tc.hex))
		if err != nil || s != tc.want || s.String() != tc.text {
			t.Errorf("DecodeSense(%s) = %+v %q, %v; want %+v %q", tc.hex, s, s, err, tc.want, tc.text)
		}
	}
	if s, _ := DecodeSense(hexBytes(t, "71 00 06")); !s.Deferred() || s.Descriptor() {
		t.Errorf("0x71 flags wrong: %+v", s)
	}
	fixed := Sense{0x70, SenseIllegalRequest, 0x24, 0}.Encode()
	if want := hexBytes(t, "70 00 05 00000000 0a 00000000 24 00 00 000000"); !bytes.Equal(fixed, want) {
		t.Errorf("fixed encode = % x", fixed)
	}
	for _, bad := range []string{"", "7f 00 00 00", "70 00", "72 06 2a"} {
		if _, err := DecodeSense(hexBytes(t, bad)); !errors.Is(err, ErrBadSense) {
			t.Errorf("DecodeSense(%q) = %v, want ErrBadSense", bad, err)
		}
	}
}

func TestSCSIErrorIs(t *testing.T) {
	conflict := resultErr("PR OUT RESERVE", SGResult{Status: StatusReservationConflict})
	if !errors.Is(conflict, ErrReservationConflict) || !errors.Is(conflict, ErrSCSI) || errors.Is(conflict, ErrIllegalRequest) {
		t.Errorf("conflict = %v", conflict)
	}
	ill := resultErr("x", SGResult{Status: StatusCheckCondition, Sense: Sense{0x72, SenseIllegalRequest, 0x24, 0}.Encode()})
	if !errors.Is(ill, ErrIllegalRequest) || errors.Is(ill, ErrUnitAttention) || ill.Error() != "x: CHECK CONDITION, ILLEGAL REQUEST: INVALID FIELD IN CDB (0x24/0x00)" {
		t.Errorf("illegal request = %v", ill)
	}
	if err := resultErr("x", SGResult{Status: StatusCheckCondition, Sense: []byte{0x7f}}); errors.Is(err, ErrIllegalRequest) || !errors.Is(err, ErrSCSI) {
		t.Errorf("undecodable sense = %v", err)
	}
	if err := resultErr("x", SGResult{HostStatus: 1}); !errors.Is(err, ErrTransport) {
		t.Errorf("host status = %v", err)
	}
	if err := resultErr("x", SGResult{DriverStatus: 0x08, Status: StatusGood}); err != nil {
		t.Errorf("driver sense with GOOD = %v", err)
	}
}

func FuzzDecodeSense(f *testing.F) {
	f.Add([]byte{0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0})
	f.Add([]byte{0x72, 6, 0x2a, 3, 0, 0, 0, 0})
	f.Add([]byte{0xf1, 0, 6})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSense(b)
		if err != nil {
			return
		}
		s2, err := DecodeSense(s.Encode())
		if err != nil || s2 != s {
			t.Fatalf("round trip %+v -> % x -> %+v, %v", s, s.Encode(), s2, err)
		}
	})
}

func FuzzDecodeReadKeys(f *testing.F) {
	f.Add([]byte{0, 0, 0, 7, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0xaa, 0xaa, 0, 0, 0, 0, 0, 0, 0xbb, 0xbb})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := DecodeReadKeys(b)
		if err != nil {
			return
		}
		k2, err := DecodeReadKeys(k.Encode())
		if err != nil || !reflect.DeepEqual(k, k2) {
			t.Fatalf("round trip %+v -> %+v, %v", k, k2, err)
		}
	})
}

func FuzzDecodeReadReservation(f *testing.F) {
	f.Add([]byte{0, 0, 0, 9, 0, 0, 0, 16, 0, 0, 0, 0, 0x2c, 0x17, 0, 1, 0, 0, 0, 0, 0, 5, 0, 0})
	f.Add([]byte{0, 0, 0, 9, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeReadReservation(b)
		if err != nil {
			return
		}
		r2, err := DecodeReadReservation(r.Encode())
		if err != nil || r2 != r {
			t.Fatalf("round trip %+v -> %+v, %v", r, r2, err)
		}
	})
}

func FuzzDecodePROut(f *testing.F) {
	c := PROut{Action: PROutPreemptAndAbort, Type: 5, Key: 0xBBBB, SAKey: 0xAAAA, APTPL: true}
	cdb, params := c.CDB(), c.Params()
	f.Add(cdb[:], params[:])
	f.Fuzz(func(t *testing.T, cdb, params []byte) {
		c, err := DecodePROut(cdb, params)
		if err != nil {
			return
		}
		cdb2, params2 := c.CDB(), c.Params()
		c2, err := DecodePROut(cdb2[:], params2[:])
		if err != nil || c2 != c {
			t.Fatalf("round trip %+v -> %+v, %v", c, c2, err)
		}
	})
}
