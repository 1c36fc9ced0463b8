package webui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func TestCookies(t *testing.T) {
	for _, tc := range []struct {
		secure   bool
		wantName string
	}{
		{secure: false, wantName: "gatehouse_session"},
		{secure: true, wantName: "__Host-gatehouse_session"},
	} {
		t.Run(tc.wantName, func(t *testing.T) {
			c := Cookies{Secure: tc.secure}
			rec := httptest.NewRecorder()
			c.Set(rec, "gatehouse_session", "s3cret", time.Time{})
			got := rec.Result().Cookies()
			if len(got) != 1 {
				t.Fatalf("cookies set = %d, want 1", len(got))
			}
			ck := got[0]
			if ck.Name != tc.wantName || ck.Path != "/" || !ck.HttpOnly || ck.Secure != tc.secure || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("cookie = %+v, want %s, Path=/, HttpOnly, Secure=%v, SameSite=Lax", ck, tc.wantName, tc.secure)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(ck)
			if v := c.Get(req, "gatehouse_session"); v != "s3cret" {
				t.Fatalf("Get = %q, want %q", v, "s3cret")
			}
		})
	}
}

func TestCheckCSRF(t *testing.T) {
	for _, tc := range []struct {
		name, form, session string
		want                bool
	}{
		{"match", "tok", "tok", true},
		{"mismatch", "other", "tok", false},
		{"missing", "", "tok", false},
		{"empty session", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := url.Values{"csrf_token": {tc.form}}.Encode()
			req := httptest.NewRequest("POST", "/", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if got := CheckCSRF(req, 1<<10, tc.session); got != tc.want {
				t.Fatalf("CheckCSRF = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStaticRefusesFolders(t *testing.T) {
	h := Static(fstest.MapFS{"css/site.css": {Data: []byte("body{}")}})
	for path, want := range map[string]int{"/css/site.css": http.StatusOK, "/css/": http.StatusNotFound, "/missing.js": http.StatusNotFound} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Fatalf("GET %s = %d, want %d", path, rec.Code, want)
		}
	}
}

func TestHoursMinutes(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:            "0 minutes",
		time.Minute:                 "1 minute",
		45 * time.Minute:            "45 minutes",
		time.Hour:                   "1 hour",
		2*time.Hour + 5*time.Minute: "2 hours 5 minutes",
	} {
		if got := HoursMinutes(d); got != want {
			t.Fatalf("HoursMinutes(%v) = %q, want %q", d, got, want)
		}
	}
}

// sessionStore holds one stored web session.
type sessionStore struct{ sess *portalstate.Session }

func (s sessionStore) CreatePortalLogin(context.Context, *portalstate.LoginRequest) error { return nil }
func (s sessionStore) UpdatePortalLogin(context.Context, string, func(*portalstate.LoginRequest) error) (*portalstate.LoginRequest, error) {
	return nil, store.ErrNotFound
}
func (s sessionStore) GetPortalSession(_ context.Context, hash string) (*portalstate.Session, error) {
	if s.sess == nil || s.sess.Hash != hash {
		return nil, store.ErrNotFound
	}
	return s.sess, nil
}

// TestS7SessionsBelongToTheAppThatCreatedThem: an admin centre session
// cookie sent to the portal (or the reverse) is no session there, and the
// cookie is cleared (security review S7).
func TestS7SessionsBelongToTheAppThatCreatedThem(t *testing.T) {
	const secret = "cookie-secret"
	st := sessionStore{sess: &portalstate.Session{Hash: grant.Hash(secret), App: portalstate.AppAdminCentre}}
	for _, tc := range []struct {
		app  string
		want bool
	}{{portalstate.AppAdminCentre, true}, {portalstate.AppPortal, false}} {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: "gatehouse_session", Value: secret})
		rec := httptest.NewRecorder()
		sess, _, err := Cookies{}.Session(rec, r, "gatehouse_session", tc.app, st)
		if err != nil || (sess != nil) != tc.want {
			t.Errorf("admin centre session presented to %s: %v, %v; want a session: %v", tc.app, sess, err, tc.want)
		}
		if !tc.want && !strings.Contains(rec.Header().Get("Set-Cookie"), "gatehouse_session=;") {
			t.Errorf("the foreign cookie is not cleared: %q", rec.Header().Get("Set-Cookie"))
		}
	}
}
