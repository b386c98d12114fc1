package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
)

// route is one endpoint. Adding an endpoint is one entry in readOnlyRoutes
// or controlRoutes, usually wrapping a Backend method with getJSON (or a
// sibling for request bodies).
type route struct {
	method  string
	pattern string // net/http ServeMux pattern without the method
	handler http.Handler
}

// readOnlyRoutes are served on the Unix socket and by NewHTTPHandler.
func readOnlyRoutes(b Backend, log *slog.Logger) []route {
	return []route{
		{http.MethodGet, "/{$}", pageHandler(b, log)},
		{http.MethodGet, "/v1/status", getJSON(log, b.Status)},
	}
}

// controlRoutes are served on the Unix socket only: service operations,
// fence_node and configuration push go here as the Backend grows.
func controlRoutes(b Backend) []route {
	var routes []route
	routes = append(routes, configRoutes(b, nil)...)  // POST /v1/config, GET /v1/config/status
	routes = append(routes, fenceRoutes(b, nil)...)   // POST /v1/fence
	routes = append(routes, serviceRoutes(b, nil)...) // POST /v1/service
	return routes
}

// newHandler routes the read-only endpoints plus extra. Unknown paths and
// wrong methods get JSON errors like every other failure.
func newHandler(b Backend, log *slog.Logger, extra []route) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	for _, r := range append(readOnlyRoutes(b, log), extra...) {
		mux.Handle(r.method+" "+r.pattern, r.handler)
		allowed[r.pattern] = append(allowed[r.pattern], r.method)
	}
	for pattern, methods := range allowed {
		mux.Handle(pattern, methodNotAllowed(methods))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, log, Errorf(CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	}))
	return mux
}

func methodNotAllowed(methods []string) http.Handler {
	if slices.Contains(methods, http.MethodGet) {
		methods = append(slices.Clone(methods), http.MethodHead)
	}
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, nil, Errorf(CodeMethodNotAllowed, "method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
	})
}

// getJSON serves the result of call as a JSON body.
func getJSON[T any](log *slog.Logger, call func(context.Context) (T, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := call(r.Context())
		if err != nil {
			writeError(w, log, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(Errorf(CodeInternal, "encode response: %v", err))
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// writeError sends err as an error body; internal errors are logged at
// Debug, since the client receives (and reports) them.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	ae := asAPIError(err)
	if ae.Code == CodeInternal && log != nil {
		log.Debug("api request failed", "reason", ae.Message)
	}
	writeJSON(w, ae.HTTPStatus(), ae)
}
