package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quorate/quorate/conf"
)

// configFake is a Backend that also implements ConfigBackend.
type configFake struct {
	fakeBackend
	mu     sync.Mutex
	pushed [][]byte
	res    PushResult
	err    error
	sync   ConfigSync
}

func (f *configFake) PushConfig(ctx context.Context, data []byte) (PushResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushed = append(f.pushed, data)
	return f.res, f.err
}

func (f *configFake) ConfigStatus(ctx context.Context) (ConfigSync, error) { return f.sync, f.err }

func TestMaxConfigBodyIsConfMaxSize(t *testing.T) {
	if MaxConfigBody != conf.MaxSize {
		t.Fatalf("MaxConfigBody %d != conf.MaxSize %d", MaxConfigBody, conf.MaxSize)
	}
}

func TestPushConfigCarriesBytesAndVerdict(t *testing.T) {
	f := &configFake{res: PushResult{Accepted: true, Version: 8, Current: 8, Message: "accepted"}}
	_, path := startServer(t, f)
	c := NewClient(path)
	data := []byte("<?xml version=\"1.0\"?>\n<cluster name=\"a\" config_version=\"8\">\xff</cluster>\n")
	res, err := c.PushConfig(context.Background(), data)
	if err != nil || !reflect.DeepEqual(res, f.res) {
		t.Fatalf("PushConfig = %+v, %v; want %+v", res, err, f.res)
	}
	if len(f.pushed) != 1 || !bytes.Equal(f.pushed[0], data) {
		t.Fatalf("backend received %q, want the exact bytes %q", f.pushed, data)
	}
	// A refusal is a verdict with reasons, not an error.
	f.res = PushResult{Version: 7, Current: 8, Reason: PushStale, Message: "config_version 7 is below 8",
		Errors: []string{"cluster.conf:3: <cluster name=\"a\">: x"}}
	res, err = c.PushConfig(context.Background(), data)
	if err != nil || !reflect.DeepEqual(res, f.res) {
		t.Fatalf("refused push = %+v, %v; want %+v", res, err, f.res)
	}
}

func TestPushConfigErrors(t *testing.T) {
	f := &configFake{err: ErrNoQuorum}
	_, path := startServer(t, f)
	c := NewClient(path)
	ctx := context.Background()
	if _, err := c.PushConfig(ctx, []byte("<cluster/>")); !errors.Is(err, ErrNoQuorum) {
		t.Errorf("backend error: %v, want ErrNoQuorum", err)
	}
	f.err = nil
	if _, err := c.PushConfig(ctx, nil); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "empty body") {
		t.Errorf("empty push: %v, want ErrBadRequest", err)
	}
	big := bytes.Repeat([]byte(" "), MaxConfigBody+1)
	if _, err := c.PushConfig(ctx, big); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized push: %v, want ErrBadRequest", err)
	}
	if len(f.pushed) != 1 {
		t.Errorf("backend saw %d pushes, want only the first", len(f.pushed))
	}
}

func TestConfigStatusRoundTrip(t *testing.T) {
	f := &configFake{sync: ConfigSync{Version: 8, Checksum: "ab12", Writer: "n2",
		Stored: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		Nodes: []NodeConfig{{Name: "n1", ID: 1, Version: 8, State: ConfigCurrent},
			{Name: "n2", ID: 2, Version: 7, State: ConfigBehind}, {Name: "n3", ID: 3, State: ConfigUnknown}}}}
	_, path := startServer(t, f)
	got, err := NewClient(path).ConfigStatus(context.Background())
	if err != nil || !reflect.DeepEqual(got, f.sync) {
		t.Fatalf("ConfigStatus = %+v, %v; want %+v", got, err, f.sync)
	}
}

func TestConfigRoutesNeedConfigBackend(t *testing.T) {
	_, path := startServer(t, &fakeBackend{st: sampleStatus()})
	c := NewClient(path)
	if _, err := c.PushConfig(context.Background(), []byte("x")); !errors.Is(err, ErrNotFound) {
		t.Errorf("push to a backend without ConfigBackend: %v, want ErrNotFound", err)
	}
	if _, err := c.ConfigStatus(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Errorf("status from a backend without ConfigBackend: %v, want ErrNotFound", err)
	}
	// The TCP handler never serves them, whatever the backend.
	h := NewHTTPHandler(&configFake{})
	if rec := serve(t, h, "POST", "/v1/config"); rec.Code != http.StatusNotFound {
		t.Errorf("NewHTTPHandler POST /v1/config = %d, want 404", rec.Code)
	}
	// On the socket, GET /v1/config is the wrong method.
	_, path = startServer(t, &configFake{})
	err := NewClient(path).send(context.Background(), http.MethodGet, "/v1/config", "", nil, &PushResult{})
	if !errors.Is(err, &Error{Code: CodeMethodNotAllowed}) {
		t.Errorf("GET /v1/config: %v, want method_not_allowed", err)
	}
}
