package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/webui"
)

// handleSignIn starts the authorization code flow: a login request with
// state, nonce and PKCE verifier in the store, bound to this browser by a
// cookie, then a redirect to the issuer.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	next := safeReturnTo(r.URL.Query().Get("next"))
	binding := s.cookies.LoginBinding(w, r, loginCookie)
	state, nonce, verifier := grant.NewSecret(), grant.NewSecret(), oauth2.GenerateVerifier()
	authURL, err := s.rp.AuthCodeURL(r.Context(), state, nonce, verifier)
	if err != nil {
		s.log.Warn("sign-in: issuer unavailable", "err", err)
		s.renderProblem(w, r, nil, http.StatusBadGateway, problem{
			Title:  "The sign-in service cannot be reached",
			Detail: "The portal could not load the configuration of its identity provider (" + s.cfg.IssuerURL + "). Try again in a moment; if it persists, tell the portal's operators.",
			Retry:  "/signin?next=" + url.QueryEscape(next)})
		return
	}
	if err := webui.StartLogin(r.Context(), s.st, state, binding, nonce, verifier, next, s.now()); err != nil {
		s.serverError(w, r, nil, "store login request", err)
		return
	}
	http.Redirect(w, r, authURL, http.StatusFound)
}

// handleCallback finishes the flow: the state must name an unused login
// request of this browser; then the code is exchanged, the ID token verified
// (nonce included), the session stored and the settings updated.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	now := s.now()
	fail := func(status int, title, detail string) {
		s.renderProblem(w, r, nil, status, problem{Title: title, Detail: detail, Retry: "/signin"})
	}
	state := q.Get("state")
	if state == "" {
		fail(http.StatusBadRequest, "This sign-in link is incomplete", "The identity provider's answer has no state parameter. Start the sign-in again.")
		return
	}
	lr, err := webui.ClaimLogin(r.Context(), s.st, state, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(http.StatusBadRequest, "This sign-in has expired or is unknown", "The portal has no sign-in waiting for this answer: it took longer than 15 minutes, or it was started elsewhere. Start the sign-in again.")
		return
	case errors.Is(err, webui.ErrLoginUsed):
		s.log.Warn("callback: state reused")
		fail(http.StatusBadRequest, "This sign-in was already completed", "The identity provider's answer was used before (a reload or the back button). Start the sign-in again.")
		return
	case err != nil:
		s.serverError(w, r, nil, "load login request", err)
		return
	}
	if !s.cookies.BoundTo(r, loginCookie, lr) {
		s.log.Warn("callback: login request of another browser")
		fail(http.StatusBadRequest, "This sign-in was started in another browser", "For your protection the portal only accepts a sign-in in the browser that started it. Start the sign-in again here.")
		return
	}
	if e := q.Get("error"); e != "" {
		s.log.Info("callback: issuer returned an error", "error", e)
		fail(http.StatusBadRequest, "Sign-in was not completed", "The identity provider answered: "+e+describe(q.Get("error_description")))
		return
	}
	code := q.Get("code")
	if code == "" {
		fail(http.StatusBadRequest, "This sign-in link is incomplete", "The identity provider's answer has no authorization code. Start the sign-in again.")
		return
	}
	toks, err := s.rp.Exchange(r.Context(), code, lr.PKCEVerifier, lr.Nonce)
	if err != nil {
		s.log.Warn("callback: token exchange failed", "err", err)
		detail := "The portal could not redeem the sign-in at the identity provider."
		var ie *IssuerError
		if errors.As(err, &ie) && ie.Code != "" {
			detail += " It answered: " + ie.Code + describe(ie.Description)
		}
		fail(http.StatusBadGateway, "Sign-in failed", detail)
		return
	}
	secret := grant.NewSecret()
	sess := NewSession(grant.Hash(secret), uuid.NewString(), grant.NewSecret(), toks, now, s.cfg.SessionLifetime)
	if err := s.st.CreatePortalSession(r.Context(), sess); err != nil {
		s.serverError(w, r, nil, "store session", err)
		return
	}
	// A previous session in this browser ends: one cookie, one session.
	if old := s.cookies.Get(r, sessionCookie); old != "" {
		s.st.DeletePortalSession(r.Context(), grant.Hash(old))
	}
	s.applySignInSettings(r.Context(), sess, now)
	s.cookies.Set(w, sessionCookie, secret, sess.ExpiresAt)
	s.log.Info("portal sign-in", "session", sess.ID, "issuer", sess.Issuer, "sub", sess.Subject)
	http.Redirect(w, r, lr.ReturnTo, http.StatusSeeOther)
}

// applySignInSettings takes the sign-in's claim into the user's settings. A
// failure is logged, not shown: the settings page can still be saved.
func (s *Server) applySignInSettings(ctx context.Context, sess *Session, now time.Time) {
	in := SignIn{ClaimPresent: sess.Profile.NamespaceClaimPresent, Claim: sess.Profile.Namespaces,
		DeploymentDefault: s.cfg.DefaultNamespace}
	if _, err := s.st.UpdatePortalSettings(ctx, sess.Issuer, sess.Subject, func(st *Settings) error {
		st.ApplySignIn(in, now)
		return nil
	}); err != nil {
		s.log.Warn("update settings at sign-in", "session", sess.ID, "err", err)
	}
}

func describe(desc string) string {
	desc = strings.TrimSpace(desc)
	if len(desc) > 500 {
		desc = desc[:500] + "…"
	}
	if desc == "" {
		return "."
	}
	return " — " + desc
}

// safeReturnTo keeps only a local path (no scheme, host or protocol-relative
// //), so the sign-in cannot be turned into an open redirect.
func safeReturnTo(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return u.RequestURI()
}

// handleSignOut ends the portal session and sends the browser to the
// issuer's end_session_endpoint (RP-initiated logout), which returns to
// /signed-out.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	secret := s.cookies.Get(r, sessionCookie)
	target := "/signed-out"
	if secret != "" {
		hash := grant.Hash(secret)
		sess, err := s.st.GetPortalSession(r.Context(), hash)
		if err == nil {
			if !s.checkCSRF(r, sess) {
				s.renderProblem(w, r, nil, http.StatusBadRequest, problem{Title: "The sign-out form expired",
					Detail: "Reload the page and sign out again.", Retry: "/account"})
				return
			}
			s.log.Info("portal sign-out", "session", sess.ID)
			if u := s.rp.EndSessionURL(r.Context(), s.cfg.PostLogoutRedirectURL); u != "" {
				target = u
			}
		}
		if err := s.st.DeletePortalSession(r.Context(), hash); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("delete session", "err", err)
		}
	}
	s.cookies.Clear(w, sessionCookie)
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// checkCSRF compares the form's token with the session's in constant time.
func (s *Server) checkCSRF(r *http.Request, sess *Session) bool {
	return webui.CheckCSRF(r, maxFormBytes, sess.CSRFToken)
}

// maxFormBytes bounds a form body.
const maxFormBytes = 64 << 10

// Session lookup outcomes.
type sessionState int

const (
	noSession sessionState = iota
	liveSession
	endedSession // it existed but is over (expired, refresh failed)
)

// currentSession returns the request's usable session, refreshing it first
// when its ID token is about to expire. A session whose refresh fails is
// deleted: a stale token is never sent on.
func (s *Server) currentSession(w http.ResponseWriter, r *http.Request) (*Session, sessionState, error) {
	sess, hash, err := s.cookies.Session(w, r, sessionCookie, portalstate.AppPortal, s.st)
	switch {
	case err != nil || hash == "":
		return nil, noSession, err
	case sess == nil:
		return nil, endedSession, nil
	}
	now := s.now()
	switch sess.Plan(now, s.cfg.RefreshBefore) {
	case Use:
		return sess, liveSession, nil
	case Refresh:
		fresh, err := s.refresh(r.Context(), sess)
		if err == nil {
			return fresh, liveSession, nil
		}
		s.log.Info("session ended: refresh failed", "session", sess.ID, "err", err)
	default:
		s.log.Info("session ended: expired", "session", sess.ID)
	}
	s.endSession(w, r, hash)
	return nil, endedSession, nil
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, hash string) {
	if err := s.st.DeletePortalSession(r.Context(), hash); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("delete session", "err", err)
	}
	s.cookies.Clear(w, sessionCookie)
}

// Refresh coordination.
const (
	refreshLeaseTTL  = 20 * time.Second
	refreshWait      = 10 * time.Second
	refreshPollEvery = 150 * time.Millisecond
)

var (
	errAlreadyFresh = errors.New("session already refreshed")
	errLeaseHeld    = errors.New("another request is refreshing the session")
	errLeaseLost    = errors.New("refresh lease lost")
)

// refresh redeems the session's refresh token once, even when several
// requests or replicas find it due at the same time: a lease in the session
// record elects one; the others keep using the current ID token while it is
// valid, or wait for the new one.
func (s *Server) refresh(ctx context.Context, sess *Session) (*Session, error) {
	lease := grant.NewSecret()
	deadline := time.Now().Add(refreshWait)
	var cur *Session
	for {
		now := s.now()
		var held *Session
		var err error
		cur, err = s.st.UpdatePortalSession(ctx, sess.Hash, func(c *Session) error {
			if c.Plan(now, s.cfg.RefreshBefore) == Use {
				return errAlreadyFresh
			}
			if c.RefreshLease != "" && now.Before(c.RefreshLeaseUntil) {
				cp := *c
				held = &cp
				return errLeaseHeld
			}
			c.RefreshLease, c.RefreshLeaseUntil = lease, now.Add(refreshLeaseTTL)
			return nil
		})
		switch {
		case errors.Is(err, errAlreadyFresh):
			return s.st.GetPortalSession(ctx, sess.Hash)
		case errors.Is(err, errLeaseHeld):
			if now.Before(held.IDTokenExp) && held.Plan(now, s.cfg.RefreshBefore) != End {
				return held, nil // still valid: use it while the other request refreshes
			}
			if time.Now().After(deadline) {
				return nil, err
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(refreshPollEvery):
			}
			continue
		case err != nil:
			return nil, err
		}
		break
	}
	toks, err := s.rp.Refresh(ctx, cur.RefreshToken)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return s.st.UpdatePortalSession(ctx, sess.Hash, func(c *Session) error {
		if c.RefreshLease != lease {
			return errLeaseLost
		}
		c.RefreshLease, c.RefreshLeaseUntil = "", time.Time{}
		return c.ApplyRefresh(toks, now)
	})
}

// signedIn wraps a page that needs a session. Without one a GET goes to
// sign-in and comes back; other methods get the sign-in page's link.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *Session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, _, err := s.currentSession(w, r)
		if err != nil {
			s.serverError(w, r, nil, "load session", err)
			return
		}
		if sess == nil {
			next := "/"
			if r.Method == http.MethodGet {
				next = r.URL.RequestURI()
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		h(w, r, sess)
	}
}
