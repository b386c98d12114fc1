package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an API error; it travels as the "code" member of an error
// body and decides the HTTP status.
type Code string

// Error codes. Backends return them (via Errorf or the sentinels) to choose
// the HTTP status; clients branch on them with errors.Is.
const (
	CodeBadRequest       Code = "bad_request"        // 400: malformed request
	CodeNotFound         Code = "not_found"          // 404: no such path, member or service
	CodeMethodNotAllowed Code = "method_not_allowed" // 405
	CodeConflict         Code = "conflict"           // 409: the operation clashes with the current state
	CodeNoQuorum         Code = "no_quorum"          // 503: the operation needs quorum
	CodeUnavailable      Code = "unavailable"        // 503: the daemon is not ready yet
	CodeInternal         Code = "internal"           // 500: anything else
)

// Sentinels for errors.Is: an *Error matches a sentinel with the same Code,
// whatever its message. A backend may return them wrapped,
// fmt.Errorf("service %q: %w", name, ErrNotFound), and the client sees the
// whole text with the sentinel's code.
var (
	ErrBadRequest  = &Error{Code: CodeBadRequest, Message: "bad request"}
	ErrNotFound    = &Error{Code: CodeNotFound, Message: "not found"}
	ErrConflict    = &Error{Code: CodeConflict, Message: "conflicts with the current state"}
	ErrNoQuorum    = &Error{Code: CodeNoQuorum, Message: "operation requires quorum"}
	ErrUnavailable = &Error{Code: CodeUnavailable, Message: "quorated is not ready yet; try again"}
	ErrInternal    = &Error{Code: CodeInternal, Message: "internal error"}
)

// Client-side failures that never reached the daemon's handlers.
var (
	// ErrDaemonUnreachable: nothing listens on the socket, or it is missing.
	ErrDaemonUnreachable = errors.New("quorated is not reachable")
	// ErrPermission: the socket exists but this user may not connect.
	ErrPermission = errors.New("permission denied on the quorated socket")
	// ErrSocketInUse: NewServer found another daemon on the socket.
	ErrSocketInUse = errors.New("socket is in use by another quorated")
)

// Error is an API error as it travels in a response body. Its Error method
// returns the daemon's message unchanged.
type Error struct {
	Message string `json:"error"`
	Code    Code   `json:"code"`
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return e.Message
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// HTTPStatus is the HTTP status a response carrying this error gets.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeBadRequest:
		return http.StatusBadRequest
	case CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeConflict:
		return http.StatusConflict
	case CodeNoQuorum, CodeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// asAPIError converts a backend error into the *Error sent to the client:
// the message is the whole error text, the code that of the first *Error in
// the chain, CodeInternal if there is none.
func asAPIError(err error) *Error {
	out := &Error{Code: CodeInternal, Message: err.Error()}
	var ae *Error
	if errors.As(err, &ae) && ae.Code != "" {
		out.Code = ae.Code
	}
	return out
}
