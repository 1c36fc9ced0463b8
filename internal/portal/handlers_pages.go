package portal

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

type landingPage struct {
	Layout
	Ended  bool // a session just ended
	Issuer string
}

type homePage struct {
	Layout
	Settings *Settings
}

// handleHome is the overview when signed in and the welcome page when not.
// It never redirects to the issuer by itself: after sign-out or a failed
// sign-in the user lands here, not in a loop.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	sess, state, err := s.currentSession(w, r)
	if err != nil {
		s.serverError(w, r, nil, "load session", err)
		return
	}
	if sess == nil {
		s.render(w, http.StatusOK, "landing", &landingPage{Layout: s.layoutFor(nil, "Welcome", "home"),
			Ended: state == endedSession, Issuer: s.cfg.IssuerURL})
		return
	}
	st, err := s.settings(r.Context(), sess)
	if err != nil {
		s.serverError(w, r, sess, "load settings", err)
		return
	}
	s.render(w, http.StatusOK, "home", &homePage{Layout: s.layoutFor(sess, "Overview", "home"), Settings: st})
}

// settings loads the user's settings; none yet is the zero value.
func (s *Server) settings(ctx context.Context, sess *Session) (*Settings, error) {
	st, err := s.st.GetPortalSettings(ctx, sess.Issuer, sess.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return &Settings{Issuer: sess.Issuer, Subject: sess.Subject}, nil
	}
	return st, err
}

type accountPage struct {
	Layout
	Settings          *Settings
	NamespaceClaim    string // the claim's name
	PictureClaim      string
	ClaimPresent      bool
	ClaimNamespaces   []string
	DeploymentDefault string
	Saved             bool
	Reset             bool
	Errors            []string
	// FormDefault and FormAllowed are what the form shows.
	FormDefault string
	FormAllowed string
	// Identity is who the cluster thinks the user is; IdentityNote says why
	// it is missing.
	Identity     *Identity
	IdentityNote string
}

func (s *Server) accountPage(r *http.Request, sess *Session, st *Settings) *accountPage {
	p := &accountPage{Layout: s.layoutFor(sess, "Account", "account"), Settings: st,
		NamespaceClaim: s.cfg.Claims.Namespace, PictureClaim: s.cfg.Claims.Picture,
		ClaimPresent: sess.Profile.NamespaceClaimPresent, ClaimNamespaces: sess.Profile.Namespaces,
		DeploymentDefault: s.cfg.DefaultNamespace, FormDefault: st.DefaultNamespace,
		FormAllowed: joinLines(st.AllowedNames())}
	if s.cluster == nil {
		p.IdentityNote = "No cluster is connected to this portal."
		return p
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	id, err := s.cluster.WhoAmI(ctx, sess.IDToken)
	var ae *AccessError
	switch {
	case err == nil:
		p.Identity = id
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		p.IdentityNote = "The cluster did not accept your sign-in token (401)."
	case errors.As(err, &ae):
		p.IdentityNote = "The cluster does not let you review your own identity (403)."
	default:
		s.log.Warn("self subject review", "err", err)
		p.IdentityNote = "The cluster could not be reached."
	}
	return p
}

func joinLines(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "\n"
		}
		out += s
	}
	return out
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, sess *Session) {
	st, err := s.settings(r.Context(), sess)
	if err != nil {
		s.serverError(w, r, sess, "load settings", err)
		return
	}
	p := s.accountPage(r, sess, st)
	p.Saved, p.Reset = r.URL.Query().Get("saved") == "1", r.URL.Query().Get("reset") == "1"
	s.render(w, http.StatusOK, "account", p)
}

// handleSaveSettings applies the account form; invalid input shows the form
// again with what was wrong (422).
func (s *Server) handleSaveSettings(w http.ResponseWriter, r *http.Request, sess *Session) {
	if !s.checkCSRF(r, sess) {
		s.renderProblem(w, r, sess, http.StatusBadRequest, problem{Title: "The form expired",
			Detail: "Reload the account page and save again.", Retry: "/account"})
		return
	}
	def, allowed := r.PostFormValue("default_namespace"), r.PostFormValue("allowed_namespaces")
	now := s.now()
	_, err := s.st.UpdatePortalSettings(r.Context(), sess.Issuer, sess.Subject, func(st *Settings) error {
		return st.SetByUser(def, ParseNamespaceList(allowed), now)
	})
	var se *SettingsError
	if errors.As(err, &se) {
		st, gerr := s.settings(r.Context(), sess)
		if gerr != nil {
			s.serverError(w, r, sess, "load settings", gerr)
			return
		}
		p := s.accountPage(r, sess, st)
		p.Errors, p.FormDefault, p.FormAllowed = se.Problems, def, allowed
		s.render(w, http.StatusUnprocessableEntity, "account", p)
		return
	}
	if err != nil {
		s.serverError(w, r, sess, "save settings", err)
		return
	}
	http.Redirect(w, r, "/account?saved=1", http.StatusSeeOther)
}

// handleResetSettings gives the settings back to the sign-in's claim and
// the deployment default.
func (s *Server) handleResetSettings(w http.ResponseWriter, r *http.Request, sess *Session) {
	if !s.checkCSRF(r, sess) {
		s.renderProblem(w, r, sess, http.StatusBadRequest, problem{Title: "The form expired",
			Detail: "Reload the account page and try again.", Retry: "/account"})
		return
	}
	now := s.now()
	if _, err := s.st.UpdatePortalSettings(r.Context(), sess.Issuer, sess.Subject, func(st *Settings) error {
		st.ResetToSignIn(now)
		return nil
	}); err != nil {
		s.serverError(w, r, sess, "reset settings", err)
		return
	}
	http.Redirect(w, r, "/account?reset=1", http.StatusSeeOther)
}

type signedOutPage struct{ Layout }

func (s *Server) handleSignedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "signed_out", &signedOutPage{Layout: s.layoutFor(nil, "Signed out", "")})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	var sess *Session
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		sess, _, _ = s.currentSession(w, r)
	}
	s.renderProblem(w, r, sess, http.StatusNotFound, problem{Title: "Page not found",
		Detail: "There is no page at this address.", Retry: "/"})
}
