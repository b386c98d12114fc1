package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// send is do with a raw request body of the given content type.
func (c *Client) send(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://quorated"+path, body)
	if err != nil {
		return fmt.Errorf("build %s %s request: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("read response to %s %s from %s: %w", method, path, c.path, err)
	}
	if resp.StatusCode/100 != 2 {
		return decodeError(resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode response to %s %s from %s: %w", method, path, c.path, err)
	}
	return nil
}
