package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// maxResponse bounds what the client reads from the daemon.
const maxResponse = 16 << 20

// DefaultTimeout bounds one request when ctx has no earlier deadline.
const DefaultTimeout = 10 * time.Second

// Client talks to quorated over its Unix socket. It is safe for concurrent
// use.
type Client struct {
	path string
	http *http.Client
}

// NewClient returns a client for the socket at path (see SocketPath). It
// does not connect until the first request.
func NewClient(path string) *Client {
	dialer := &net.Dialer{}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", path)
		},
		MaxIdleConns:    1,
		IdleConnTimeout: 30 * time.Second,
	}
	return &Client{path: path, http: &http.Client{Transport: tr, Timeout: DefaultTimeout}}
}

// Path is the socket the client talks to.
func (c *Client) Path() string { return c.path }

// Status fetches GET /v1/status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var st Status
	if err := c.do(ctx, http.MethodGet, "/v1/status", nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// do sends in (if not nil) as JSON and decodes a 2xx body into out. Error
// bodies become *Error; transport failures name the socket and the fix.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	if in == nil {
		return c.send(ctx, method, path, "", nil, out)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s %s request: %w", method, path, err)
	}
	return c.send(ctx, method, path, "application/json", bytes.NewReader(b), out)
}

// send is do with a raw request body of the given content type ("" for
// none).
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

// transportError explains a failure to reach the daemon.
func (c *Client) transportError(err error) error {
	var ue *url.Error // "Get \"http://quorated/…\": " says nothing useful
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError // nor does "dial unix <path>: " next to the path
	if errors.As(err, &op) {
		err = op.Err
	}
	switch {
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w at %s (%w); is quorated running? Start it with `systemctl start quorated`, or pass --socket PATH / set %s if it listens elsewhere",
			ErrDaemonUnreachable, c.path, err, SocketEnv)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("%w %s (%w); run as root or as a member of group %s", ErrPermission, c.path, err, SocketGroup)
	default:
		return fmt.Errorf("talk to quorated at %s: %w", c.path, err)
	}
}

// decodeError turns a non-2xx response into an error. A well-formed error
// body gives an *Error carrying the daemon's message; anything else is
// described by the HTTP status.
func decodeError(status int, body []byte) error {
	var ae Error
	if err := json.Unmarshal(body, &ae); err == nil && ae.Message != "" {
		if ae.Code == "" {
			ae.Code = CodeInternal
		}
		return &ae
	}
	return &Error{Code: codeForStatus(status), Message: fmt.Sprintf("quorated answered HTTP %d %s", status, http.StatusText(status))}
}

func codeForStatus(status int) Code {
	switch status {
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusConflict:
		return CodeConflict
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	default:
		return CodeInternal
	}
}
