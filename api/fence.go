package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
)

// FenceRequest is the body of POST /v1/fence (fence_node).
type FenceRequest struct {
	Node    string `json:"node"`
	Unfence bool   `json:"unfence,omitempty"` // fence_node -U
}

// FenceResult is the daemon's answer once the fence is confirmed.
type FenceResult struct {
	Message string `json:"message"`
}

// FenceBackend is implemented by a daemon that can fence by hand: the
// master fences at once, any other node forwards the request to it.
type FenceBackend interface {
	FenceNode(ctx context.Context, node string, unfence bool) (string, error)
}

func fenceRoutes(b Backend, log *slog.Logger) []route {
	fb, ok := b.(FenceBackend)
	if !ok {
		return nil
	}
	return []route{{http.MethodPost, "/v1/fence", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req FenceRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Node == "" {
			writeError(w, log, Errorf(CodeBadRequest, "POST a JSON object {\"node\": NAME} to /v1/fence"))
			return
		}
		msg, err := fb.FenceNode(r.Context(), req.Node, req.Unfence)
		if err != nil {
			writeError(w, log, err)
			return
		}
		writeJSON(w, http.StatusOK, FenceResult{Message: msg})
	})}}
}

// FenceNode asks the daemon to fence (or unfence) node and waits for the
// confirmed result.
func (c *Client) FenceNode(ctx context.Context, node string, unfence bool) (string, error) {
	var out FenceResult
	err := c.do(ctx, http.MethodPost, "/v1/fence", FenceRequest{Node: node, Unfence: unfence}, &out)
	return out.Message, err
}
