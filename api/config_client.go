package api

import (
	"bytes"
	"context"
	"net/http"
)

// PushConfig sends data, a whole cluster.conf, with POST /v1/config and
// returns the daemon's verdict. A refusal is a PushResult with Accepted
// false, not an error. With the methods below, *Client is a
// ConfigBackend.
func (c *Client) PushConfig(ctx context.Context, data []byte) (PushResult, error) {
	var res PushResult
	err := c.send(ctx, http.MethodPost, "/v1/config", "application/xml", bytes.NewReader(data), &res)
	return res, err
}

// ConfigStatus fetches GET /v1/config/status.
func (c *Client) ConfigStatus(ctx context.Context) (ConfigSync, error) {
	var s ConfigSync
	err := c.send(ctx, http.MethodGet, "/v1/config/status", "", nil, &s)
	return s, err
}

var _ ConfigBackend = (*Client)(nil)
