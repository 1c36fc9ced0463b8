package webui

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// SignInStore is the part of a surface's store its sign-in flow uses: the
// pending sign-ins (login requests) and the sessions.
type SignInStore interface {
	CreatePortalLogin(ctx context.Context, l *portalstate.LoginRequest) error
	UpdatePortalLogin(ctx context.Context, stateHash string, fn func(*portalstate.LoginRequest) error) (*portalstate.LoginRequest, error)
	GetPortalSession(ctx context.Context, hash string) (*portalstate.Session, error)
}

// LoginRequestLifetime bounds how long the issuer's sign-in page may take.
const LoginRequestLifetime = 15 * time.Minute

// StartLogin stores the pending sign-in that ClaimLogin later claims: keyed
// by the state's hash, bound to this browser's binding cookie, carrying the
// nonce, the PKCE verifier and where to return.
func StartLogin(ctx context.Context, st SignInStore, state, binding, nonce, verifier, returnTo string, now time.Time) error {
	return st.CreatePortalLogin(ctx, &portalstate.LoginRequest{StateHash: grant.Hash(state), BrowserHash: grant.Hash(binding),
		Nonce: nonce, PKCEVerifier: verifier, ReturnTo: returnTo, CreatedAt: now, ExpiresAt: now.Add(LoginRequestLifetime)})
}

// ErrLoginUsed is ClaimLogin's answer for a login request whose state was
// already used (a reload or the back button on the callback).
var ErrLoginUsed = errors.New("state already used")

// ClaimLogin marks the login request of state used at now and returns it,
// atomically, so one answer of the issuer makes at most one session.
func ClaimLogin(ctx context.Context, st SignInStore, state string, now time.Time) (*portalstate.LoginRequest, error) {
	return st.UpdatePortalLogin(ctx, grant.Hash(state), func(l *portalstate.LoginRequest) error {
		if l.UsedAt != nil {
			return ErrLoginUsed
		}
		l.UsedAt = &now
		return nil
	})
}

// LoginBinding returns this browser's sign-in binding from the cookie name,
// setting a fresh one when there is none: a browser-session cookie, reused
// by sign-ins in other tabs. Login requests keep its hash.
func (c Cookies) LoginBinding(w http.ResponseWriter, r *http.Request, name string) string {
	binding := c.Get(r, name)
	if len(binding) != 43 {
		binding = grant.NewSecret()
		c.Set(w, name, binding, time.Time{})
	}
	return binding
}

// BoundTo reports whether the request's binding cookie name is the one
// whose hash the login request kept: a callback is only accepted in the
// browser that started the sign-in.
func (c Cookies) BoundTo(r *http.Request, name string, lr *portalstate.LoginRequest) bool {
	b := c.Get(r, name)
	return b != "" && subtle.ConstantTimeCompare([]byte(grant.Hash(b)), []byte(lr.BrowserHash)) == 1
}

// Session returns the session of app the request's cookie name points to and the
// secret's hash (its key in the store). Without a cookie both are empty;
// a cookie whose session is gone is cleared, and the hash comes back with a
// nil session, so the caller can tell an ended session from none.
func (c Cookies) Session(w http.ResponseWriter, r *http.Request, name, app string, st SignInStore) (*portalstate.Session, string, error) {
	secret := c.Get(r, name)
	if secret == "" {
		return nil, "", nil
	}
	hash := grant.Hash(secret)
	sess, err := st.GetPortalSession(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) || err == nil && sess.App != app {
		// Another app's session is no session here.
		c.Clear(w, name)
		return nil, hash, nil
	}
	if err != nil {
		return nil, hash, err
	}
	return sess, hash, nil
}
