package portalstate

import (
	"errors"
	"time"
)

// Session is a signed-in portal user. The cookie holds a random secret; the
// record is keyed by its SHA-256, so a leaked store does not give cookies.
// Tokens are kept here and only here: never in a cookie, a page or a log.
// The web apps that keep sessions in the store.
const (
	AppPortal      = "portal"
	AppAdminCentre = "admin centre"
)

type Session struct {
	Hash string `json:"hash"`
	// ID is a public identifier for logs (never the cookie or its hash).
	ID      string `json:"id"`
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
	// App is the web app that created the session (AppPortal,
	// AppAdminCentre): a session is honoured only by that app, so a cookie
	// of one cannot open the other (security review S7).
	App string `json:"app,omitempty"`
	// CSRFToken is the synchronizer token of the session's forms.
	CSRFToken string `json:"csrfToken"`

	IDToken      string    `json:"idToken"`
	IDTokenExp   time.Time `json:"idTokenExp"`
	AccessToken  string    `json:"accessToken,omitempty"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	// IDTokenIssuedAt is when the ID token in use was obtained (by the
	// portal's clock), the base of the proactive refresh margin.
	IDTokenIssuedAt time.Time `json:"idTokenIssuedAt"`
	// RefreshLease serialises refreshes across requests and replicas: a
	// rotating refresh token must be redeemed once. The holder's random id
	// and until when it holds the lease.
	RefreshLease      string    `json:"refreshLease,omitempty"`
	RefreshLeaseUntil time.Time `json:"refreshLeaseUntil,omitzero"`
	// NoIDTokenOnRefresh records that the issuer answered a refresh without an
	// ID token: refreshing again before the kept one expires would not help.
	NoIDTokenOnRefresh bool `json:"noIdTokenOnRefresh,omitempty"`

	Profile Profile `json:"profile"`

	// AuthenticatedAt is when the user signed in (the callback), RefreshedAt
	// the last successful refresh.
	AuthenticatedAt time.Time  `json:"authenticatedAt"`
	RefreshedAt     *time.Time `json:"refreshedAt,omitempty"`
	// ExpiresAt is the session's hard end: the configured maximum lifetime
	// after sign-in, and no later than the ID token's expiry when there is no
	// refresh token.
	ExpiresAt time.Time `json:"expiresAt"`
}

// Profile is what the portal shows about the user, taken from the ID token.
type Profile struct {
	Name     string   `json:"name,omitempty"`
	Username string   `json:"username,omitempty"`
	Email    string   `json:"email,omitempty"`
	Picture  string   `json:"picture,omitempty"` // only a URL portal.SafePictureURL accepted
	Groups   []string `json:"groups,omitempty"`
	// Namespaces is the namespace claim as parsed (portal.ClaimNamespaces).
	Namespaces []string `json:"namespaces,omitempty"`
	// NamespaceClaimPresent tells an absent claim from an empty one.
	NamespaceClaimPresent bool `json:"namespaceClaimPresent,omitempty"`
}

// freshTokenWindow: a token obtained this recently that the cluster rejects
// with 401 is a configuration problem, not an expired sign-in; signing in
// again would only loop.
const freshTokenWindow = time.Minute

// Errors that end a session at refresh.
var (
	// ErrSubjectChanged: the refreshed ID token names another subject or
	// issuer (OIDC Core §12.2 requires the same); the session is not theirs.
	ErrSubjectChanged = errors.New("the refreshed ID token is for a different subject")
	// ErrNoUsableToken: the refresh gave no ID token and the kept one expired.
	ErrNoUsableToken = errors.New("the refresh returned no ID token and the previous one has expired")
)

// Tokens is what the issuer returned, with the ID token verified.
type Tokens struct {
	IDToken    string
	IDTokenExp time.Time
	Issuer     string
	Subject    string
	// Profile is read from the ID token's claims.
	Profile      Profile
	AccessToken  string
	RefreshToken string
}

// Action is what a request must do with a session before using it.
type Action int

// Actions of Plan.
const (
	// Use: the ID token is valid beyond the refresh margin (or cannot be
	// refreshed and is still valid).
	Use Action = iota
	// Refresh: refresh now, and use the session only if that succeeds.
	Refresh
	// End: the session is over; sign in again.
	End
)

func (a Action) String() string {
	return [...]string{"use", "refresh", "end"}[a]
}

// CanRefresh reports a refresh token, and an issuer known to answer it with
// an ID token (the ID token is the credential the cluster accepts).
func (s *Session) CanRefresh() bool { return s.RefreshToken != "" && !s.NoIDTokenOnRefresh }

// EndsAt is when the session ends at the latest: its hard limit, or the ID
// token's expiry when it cannot be refreshed.
func (s *Session) EndsAt() time.Time {
	if !s.CanRefresh() && s.IDTokenExp.Before(s.ExpiresAt) {
		return s.IDTokenExp
	}
	return s.ExpiresAt
}

// Remaining is the session's remaining lifetime (zero when over).
func (s *Session) Remaining(now time.Time) time.Duration {
	return max(s.EndsAt().Sub(now), 0)
}

// refreshMargin is how long before the ID token's expiry to refresh: the
// configured margin, but at most a third of the token's lifetime, so a
// short-lived token is not refreshed on every request.
func (s *Session) refreshMargin(refreshBefore time.Duration) time.Duration {
	if life := s.IDTokenExp.Sub(s.IDTokenIssuedAt); life > 0 && life/3 < refreshBefore {
		return life / 3
	}
	return refreshBefore
}

// Plan decides what a request does with the session at now. It fails closed:
// an expired ID token is never used, only refreshed or ended.
func (s *Session) Plan(now time.Time, refreshBefore time.Duration) Action {
	switch {
	case !now.Before(s.EndsAt()):
		return End
	case now.Before(s.IDTokenExp.Add(-s.refreshMargin(refreshBefore))):
		return Use
	case !s.CanRefresh():
		return Use // still valid (EndsAt would have ended it otherwise)
	default:
		return Refresh
	}
}

// ApplyRefresh takes a refresh's result into the session. A new ID token
// must name the same issuer and subject; without one the old ID token is
// kept while it is valid. A refresh token the issuer did not rotate is kept.
func (s *Session) ApplyRefresh(t *Tokens, now time.Time) error {
	if t.IDToken != "" {
		if t.Subject != s.Subject || t.Issuer != s.Issuer {
			return ErrSubjectChanged
		}
		s.IDToken, s.IDTokenExp, s.IDTokenIssuedAt = t.IDToken, t.IDTokenExp, now
		s.Profile = t.Profile
		s.NoIDTokenOnRefresh = false
	} else {
		if !now.Before(s.IDTokenExp) {
			return ErrNoUsableToken
		}
		s.NoIDTokenOnRefresh = true
	}
	if t.AccessToken != "" {
		s.AccessToken = t.AccessToken
	}
	if t.RefreshToken != "" {
		s.RefreshToken = t.RefreshToken
	}
	s.RefreshedAt = &now
	return nil
}

// ReauthenticateOn401 says whether a 401 from the cluster should send the
// user to sign in again. A token obtained moments ago that the API server
// rejects will be rejected again after signing in (the API server does not
// trust the issuer, or expects another audience): show that instead of
// looping through the issuer.
func (s *Session) ReauthenticateOn401(now time.Time) bool {
	return now.Sub(s.IDTokenIssuedAt) >= freshTokenWindow
}
