package portal

import (
	"time"

	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
)

// Session timing defaults.
const (
	// DefaultSessionLifetime is the hard limit of a portal session after
	// sign-in, however often its tokens refresh.
	DefaultSessionLifetime = 12 * time.Hour
	// DefaultRefreshBefore is how long before the ID token expires the portal
	// refreshes it, so that no request carries a token about to expire.
	DefaultRefreshBefore = 2 * time.Minute
)

// Errors that end a session at refresh.
var (
	ErrSubjectChanged = portalstate.ErrSubjectChanged
	ErrNoUsableToken  = portalstate.ErrNoUsableToken
)

// The session's rules (Plan, ApplyRefresh, ...) are methods of
// portalstate.Session, beside the record the store keeps.
type (
	// Tokens is what the issuer returned, with the ID token verified.
	Tokens = portalstate.Tokens
	// Action is what a request must do with a session before using it.
	Action = portalstate.Action
)

// Actions of Session.Plan.
const (
	Use     = portalstate.Use
	Refresh = portalstate.Refresh
	End     = portalstate.End
)

// NewSession is the session a verified sign-in starts. hash is the SHA-256
// of the cookie secret, id a public id for logs.
func NewSession(hash, id, csrf string, t *Tokens, now time.Time, lifetime time.Duration) *Session {
	if lifetime <= 0 {
		lifetime = DefaultSessionLifetime
	}
	s := &Session{
		Hash: hash, ID: id, CSRFToken: csrf, Issuer: t.Issuer, Subject: t.Subject, App: portalstate.AppPortal,
		IDToken: t.IDToken, IDTokenExp: t.IDTokenExp, IDTokenIssuedAt: now,
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Profile: t.Profile,
		AuthenticatedAt: now, ExpiresAt: now.Add(lifetime),
	}
	// Without a refresh token the session cannot outlive its ID token.
	if s.RefreshToken == "" && s.IDTokenExp.Before(s.ExpiresAt) {
		s.ExpiresAt = s.IDTokenExp
	}
	return s
}
