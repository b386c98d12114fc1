package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// MaxConfigBody is the largest cluster.conf POST /v1/config accepts; it
// equals conf.MaxSize.
const MaxConfigBody = 4 << 20

// Reasons for refusing a pushed configuration (PushResult.Reason).
const (
	PushInvalid  = "invalid"   // the file does not validate; Errors lists why
	PushStale    = "stale"     // its config_version is below the cluster's
	PushConflict = "conflict"  // same config_version as the accepted one, other contents: the first accepted wins
	PushTooLarge = "too_large" // it does not fit the quorum disk's config area
)

// PushResult is the daemon's verdict on a pushed cluster.conf.
type PushResult struct {
	Accepted bool   `json:"accepted"`
	Version  uint64 `json:"version"` // config_version of the pushed file; 0 if it has none
	Current  uint64 `json:"current"` // version the cluster runs after the push
	// Unchanged is true when the pushed file is the one already accepted.
	Unchanged bool     `json:"unchanged,omitempty"`
	Reason    string   `json:"reason,omitempty"` // a Push* constant when refused
	Message   string   `json:"message"`          // one line for operators, with the fix
	Errors    []string `json:"errors,omitempty"` // validation problems, "file:line: …" each
}

// Per-node configuration states (NodeConfig.State).
const (
	ConfigCurrent = "current" // runs the accepted version
	ConfigBehind  = "behind"  // runs an older version; it adopts the new one by itself
	ConfigAhead   = "ahead"   // reports a newer version the cluster never accepted
	ConfigUnknown = "unknown" // no report (node down or not yet joined)
)

// ConfigSync is what GET /v1/config/status returns: the accepted
// configuration and which node runs which version.
type ConfigSync struct {
	Version  uint64       `json:"version"`  // accepted config_version; 0 = none yet
	Checksum string       `json:"checksum"` // SHA-256 of the accepted file, hex
	Writer   string       `json:"writer"`   // node that stored it on the quorum disk
	Stored   time.Time    `json:"stored"`   // when it was stored
	Nodes    []NodeConfig `json:"nodes"`    // every configured node, by id
}

// NodeConfig is one node's configuration version, as reported in its
// quorum-disk slot.
type NodeConfig struct {
	Name    string `json:"name"`
	ID      int    `json:"id"`
	Version uint64 `json:"version"` // 0 when unknown
	State   string `json:"state"`   // a Config* constant
}

// ConfigBackend is what a Backend implements to serve the configuration
// endpoints; they are registered, on the Unix socket only, when the
// Backend passed to NewServer also implements it:
//
//	POST /v1/config         body: the whole cluster.conf (Content-Type application/xml),
//	                        at most MaxConfigBody bytes; 200, body: PushResult
//	GET  /v1/config/status  200, body: ConfigSync
//
// A refused configuration is a verdict, not a failure: it answers 200
// with Accepted false, a Reason and the validation errors. Failures in
// the usual sense (400 empty or oversized body, 503 no quorum or not
// ready, 500) carry the ordinary error body. The contract of Backend
// applies (concurrent calls, ctx, *Error codes).
type ConfigBackend interface {
	// PushConfig validates data, a whole cluster.conf, and submits it to
	// the cluster. It returns once the master has accepted (stored) or
	// refused it; refusals are PushResults, not errors. data belongs to
	// the backend.
	PushConfig(ctx context.Context, data []byte) (PushResult, error)
	// ConfigStatus reports the accepted version and each node's.
	ConfigStatus(ctx context.Context) (ConfigSync, error)
}

// configRoutes are the configuration endpoints, when b implements
// ConfigBackend.
func configRoutes(b Backend, log *slog.Logger) []route {
	cb, ok := b.(ConfigBackend)
	if !ok {
		return nil
	}
	return []route{
		{http.MethodPost, "/v1/config", pushConfigHandler(log, cb)},
		{http.MethodGet, "/v1/config/status", getJSON(log, cb.ConfigStatus)},
	}
}

func pushConfigHandler(log *slog.Logger, cb ConfigBackend) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxConfigBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, log, Errorf(CodeBadRequest, "cluster.conf is larger than %d bytes; is it the right file?", MaxConfigBody))
			return
		case err != nil:
			writeError(w, log, Errorf(CodeBadRequest, "read the pushed cluster.conf: %v", err))
			return
		case len(data) == 0:
			writeError(w, log, Errorf(CodeBadRequest, "empty body; POST the bytes of cluster.conf"))
			return
		}
		res, err := cb.PushConfig(r.Context(), data)
		if err != nil {
			writeError(w, log, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}
