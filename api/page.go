package api

import (
	"bytes"
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"
	"time"
)

//go:embed page.html
var pageSource string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"title":      StateTitle,
	"stateClass": stateClass,
	"ctime":      ctime,
	"yesno":      yesno,
	"duration":   fenceDuration,
}).Parse(pageSource))

// pageData feeds page.html: either a status or an error message.
type pageData struct {
	St  *Status
	Err string
}

// pageHandler renders the read-only status page. A backend failure still
// renders a page (with status 503 or 500) that keeps reloading.
func pageHandler(b Backend, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusOK
		data := pageData{}
		st, err := b.Status(r.Context())
		switch {
		case err != nil:
			ae := asAPIError(err)
			status, data.Err = ae.HTTPStatus(), ae.Message
		case st == nil:
			status, data.Err = http.StatusInternalServerError, "the daemon returned no status"
		default:
			data.St = st
		}
		var buf bytes.Buffer
		if err := pageTemplate.Execute(&buf, data); err != nil {
			log.Debug("render status page", "reason", err)
			writeError(w, nil, Errorf(CodeInternal, "render status page: %v", err))
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.WriteHeader(status)
		w.Write(buf.Bytes())
	})
}

// stateClass maps a member, disk, service or fence state to a colour class.
func stateClass(state string) string {
	switch state {
	case "online", "started", "success":
		return "good"
	case "joining", "leaving", "starting", "stopping", "recovering", "pending":
		return "warn"
	case "offline", "stopped", "disabled":
		return "idle"
	default: // evicted, down, failed, anything unknown
		return "bad"
	}
}

func ctime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(TimeLayout)
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fenceDuration(f FenceEvent, now time.Time) string {
	return f.Duration(now).Round(100 * time.Millisecond).String()
}
