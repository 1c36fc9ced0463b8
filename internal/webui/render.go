package webui

import (
	"bytes"
	"html/template"
	"log/slog"
	"net/http"
)

// Pages renders one surface's page templates.
type Pages struct {
	Templates *template.Template
	Log       *slog.Logger
	// Secure (https) adds Strict-Transport-Security.
	Secure bool
}

// Render writes the page name with the given Content-Security-Policy.
// Headers are set before WriteHeader, and the page is executed into a
// buffer first so a template error is a clean 500.
func (p *Pages) Render(w http.ResponseWriter, status int, name string, data any, csp string) {
	var buf bytes.Buffer
	if err := p.Templates.ExecuteTemplate(&buf, name, data); err != nil {
		p.Log.Error("render page", "page", name, "err", err)
		status, buf = http.StatusInternalServerError, *bytes.NewBufferString("internal error\n")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	if p.Secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// CSP is the pages' Content-Security-Policy: only the surface's own script,
// styles and fetches; images from imgSrc and forms to formAction (both
// source lists); never framed.
func CSP(imgSrc, formAction string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + imgSrc +
		"; connect-src 'self'; form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
}
