package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
)

// ServiceRequest is the body of POST /v1/service (clusvcadm).
type ServiceRequest struct {
	Op      string `json:"op"` // enable, disable, stop, relocate, restart, freeze, unfreeze
	Service string `json:"service"`
	Member  string `json:"member,omitempty"` // -m
}

// ServiceResult is the master's answer.
type ServiceResult struct {
	Message string `json:"message"`
}

// ServiceBackend is implemented by a daemon that runs services.
type ServiceBackend interface {
	ServiceOp(ctx context.Context, op, service, member string) (string, error)
}

func serviceRoutes(b Backend, log *slog.Logger) []route {
	sb, ok := b.(ServiceBackend)
	if !ok {
		return nil
	}
	return []route{{http.MethodPost, "/v1/service", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req ServiceRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Op == "" || req.Service == "" {
			writeError(w, log, Errorf(CodeBadRequest, "POST a JSON object {\"op\": OP, \"service\": NAME} to /v1/service"))
			return
		}
		msg, err := sb.ServiceOp(r.Context(), req.Op, req.Service, req.Member)
		if err != nil {
			writeError(w, log, err)
			return
		}
		writeJSON(w, http.StatusOK, ServiceResult{Message: msg})
	})}}
}

// ServiceOp asks the cluster to apply a service operation.
func (c *Client) ServiceOp(ctx context.Context, op, service, member string) (string, error) {
	var out ServiceResult
	err := c.do(ctx, http.MethodPost, "/v1/service", ServiceRequest{Op: op, Service: service, Member: member}, &out)
	return out.Message, err
}
