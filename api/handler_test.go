package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func decodeErrorBody(t *testing.T, rec *httptest.ResponseRecorder) Error {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e Error
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body, err)
	}
	return e
}

func TestHTTPHandlerStatusJSON(t *testing.T) {
	h := NewHTTPHandler(&fakeBackend{st: sampleStatus()})
	rec := serve(t, h, "GET", "/v1/status")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/status = %d %s", rec.Code, rec.Body)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// Field names are the stable interface for scripts.
	for _, k := range []string{"time", "cluster", "quorum", "local", "local_id", "members", "quorum_disk", "services", "fence_history"} {
		if _, ok := got[k]; !ok {
			t.Errorf("status JSON lacks %q: %s", k, rec.Body)
		}
	}
}

func TestHTTPHandlerErrors(t *testing.T) {
	h := NewHTTPHandler(&fakeBackend{st: sampleStatus()})
	cases := []struct {
		method, target string
		status         int
		code           Code
	}{
		{"GET", "/v1/nope", http.StatusNotFound, CodeNotFound},
		{"GET", "/v1/status/extra", http.StatusNotFound, CodeNotFound},
		{"POST", "/v1/status", http.StatusMethodNotAllowed, CodeMethodNotAllowed},
		{"DELETE", "/", http.StatusMethodNotAllowed, CodeMethodNotAllowed},
	}
	for _, tc := range cases {
		rec := serve(t, h, tc.method, tc.target)
		if rec.Code != tc.status {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.target, rec.Code, tc.status)
		}
		e := decodeErrorBody(t, rec)
		if e.Code != tc.code || e.Message == "" {
			t.Errorf("%s %s body = %+v, want code %s and a message", tc.method, tc.target, e, tc.code)
		}
		if tc.status == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s Allow = %q, want \"GET, HEAD\"", tc.method, tc.target, rec.Header().Get("Allow"))
		}
	}
}

func TestHTTPHandlerBackendErrorStatus(t *testing.T) {
	h := NewHTTPHandler(&fakeBackend{err: Errorf(CodeUnavailable, "still joining")})
	rec := serve(t, h, "GET", "/v1/status")
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", rec.Code)
	}
	if e := decodeErrorBody(t, rec); e.Message != "still joining" || e.Code != CodeUnavailable {
		t.Errorf("body = %+v", e)
	}
}

func TestStatusPage(t *testing.T) {
	h := NewHTTPHandler(&fakeBackend{st: sampleStatus()})
	rec := serve(t, h, "GET", "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d", rec.Code)
	}
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	for _, want := range []string{
		`<meta http-equiv="refresh" content="2">`,
		"Cluster demo", "Quorate", "votes 3 of 3 expected; 2 needed",
		"node1 (local) · master", "node2",
		`<span class="badge bad">Evicted</span>`, "missed 5 heartbeats",
		`<span class="badge good">Online</span>`,
		"/dev/loop0 (label qdemo)",
		"service:web", `<span class="badge good">started</span>`,
		"ipmi3", "4.2s", "net_dropped",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Self-contained: no scripts and no external references.
	if m := regexp.MustCompile(`(?i)<script|src=|href=|url\(|@import`).FindString(body); m != "" {
		t.Errorf("page references external content: %q", m)
	}
}

func TestStatusPageEscapesAndShowsErrors(t *testing.T) {
	st := sampleStatus()
	st.Members[1].Name = `<b>evil</b>`
	rec := serve(t, NewHTTPHandler(&fakeBackend{st: st}), "GET", "/")
	if strings.Contains(rec.Body.String(), "<b>evil</b>") {
		t.Error("member name not escaped")
	}
	rec = serve(t, NewHTTPHandler(&fakeBackend{err: errors.New("backend exploded")}), "GET", "/")
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "backend exploded") {
		t.Errorf("error page = %d %q", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `http-equiv="refresh"`) {
		t.Error("error page does not keep refreshing")
	}
}
