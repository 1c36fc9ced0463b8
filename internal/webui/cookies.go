package webui

import (
	"net/http"
	"time"
)

// Cookies sets and reads a surface's cookies: HttpOnly, SameSite=Lax,
// Path=/. With https they are Secure and their names carry the __Host-
// prefix, which pins them to this origin (no Domain). The surfaces and the
// login host may share the browser's cookie jar (same host, other port),
// so each surface gives its cookies names of its own.
type Cookies struct {
	Secure bool
}

// Name is the cookie's name on the wire.
func (c Cookies) Name(base string) string {
	if c.Secure {
		return "__Host-" + base
	}
	return base
}

// Set sets the cookie; a zero expires makes it a session cookie.
func (c Cookies) Set(w http.ResponseWriter, name, value string, expires time.Time) {
	ck := &http.Cookie{Name: c.Name(name), Value: value, Path: "/", HttpOnly: true, Secure: c.Secure,
		SameSite: http.SameSiteLaxMode}
	if !expires.IsZero() {
		ck.Expires = expires
	}
	http.SetCookie(w, ck)
}

// Clear tells the browser to drop the cookie.
func (c Cookies) Clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: c.Name(name), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

// Get returns the cookie's value, "" when the request has none.
func (c Cookies) Get(r *http.Request, name string) string {
	if ck, err := r.Cookie(c.Name(name)); err == nil {
		return ck.Value
	}
	return ""
}
