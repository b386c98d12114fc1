package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeError: decodeError never panics, always yields an *Error with a
// code and a message, and the body the server would send for that error
// decodes back to the same error.
func FuzzDecodeError(f *testing.F) {
	f.Add(404, []byte(`{"error":"service \"web\": not found","code":"not_found"}`))
	f.Add(500, []byte(`{"error":"x"}`))
	f.Add(503, []byte(`not json`))
	f.Add(502, []byte(``))
	f.Add(400, []byte(`{"error":"","code":"bad_request"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := decodeError(status, body)
		var ae *Error
		if !errors.As(err, &ae) {
			t.Fatalf("decodeError returned %T, want *Error", err)
		}
		if ae.Code == "" || ae.Message == "" {
			t.Fatalf("decodeError returned %+v without code or message", ae)
		}
		wire, merr := json.Marshal(ae)
		if merr != nil {
			t.Fatal(merr)
		}
		var again *Error
		if !errors.As(decodeError(ae.HTTPStatus(), wire), &again) || *again != *ae {
			t.Fatalf("round trip of %+v gave %+v", ae, again)
		}
	})
}

// FuzzStatusJSON: whatever the client accepts as a Status re-encodes to a
// fixed point (encode(decode(encode(s))) == encode(s)).
func FuzzStatusJSON(f *testing.F) {
	seed, _ := json.Marshal(sampleStatus())
	f.Add(seed)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"members":[{"name":"n","id":1,"state":"online"}],"time":"2026-11-25T18:01:02+01:00"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var st Status
		if json.Unmarshal(data, &st) != nil {
			return
		}
		first, err := json.Marshal(&st)
		if err != nil {
			return // e.g. a time outside years 0..9999 decodes but does not encode
		}
		var again Status
		if err := json.Unmarshal(first, &again); err != nil {
			t.Fatalf("re-decode of %s: %v", first, err)
		}
		second, err := json.Marshal(&again)
		if err != nil || !bytes.Equal(first, second) {
			t.Fatalf("not a fixed point:\n%s\n%s (%v)", first, second, err)
		}
	})
}
