package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// clusterTimeout bounds the API calls of one page.
const clusterTimeout = 10 * time.Second

type namespacesPage struct {
	Layout
	Namespaces []Namespace
	// ListedAll: the user may list every namespace; otherwise the page
	// shows the allowed ones.
	ListedAll   bool
	NoCluster   bool
	Unavailable bool
	Settings    *Settings
}

// handleNamespaces lists every namespace the user may list, allowed ones
// first; without that permission (or a cluster) the allowed ones.
func (s *Server) handleNamespaces(w http.ResponseWriter, r *http.Request, sess *Session) {
	st, err := s.settings(r.Context(), sess)
	if err != nil {
		s.serverError(w, r, sess, "load settings", err)
		return
	}
	allowed := st.AllowedNames()
	p := &namespacesPage{Layout: s.layoutFor(sess, "Namespaces", "namespaces"), Settings: st}
	status := http.StatusOK
	fromAllowed := func() {
		for _, n := range allowed {
			p.Namespaces = append(p.Namespaces, Namespace{Name: n, Allowed: true})
		}
	}
	if s.cluster == nil {
		p.NoCluster = true
		fromAllowed()
		s.render(w, status, "namespaces", p)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), clusterTimeout)
	defer cancel()
	all, err := s.cluster.ListNamespaces(ctx, sess.IDToken, s.now())
	var ae *AccessError
	switch {
	case err == nil:
		p.ListedAll = true
		for i := range all {
			all[i].Allowed = slices.Contains(allowed, all[i].Name)
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].Allowed && !all[j].Allowed })
		p.Namespaces = all
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		s.clusterUnauthorized(w, r, sess)
		return
	case errors.As(err, &ae):
		fromAllowed() // 403 on a cluster-wide list is normal for most users
	default:
		s.log.Warn("list namespaces", "err", err)
		p.Unavailable, status = true, http.StatusBadGateway
		fromAllowed()
	}
	s.render(w, status, "namespaces", p)
}

type namespacePage struct {
	Layout
	Namespace   string
	Allowed     bool
	Kinds       []*Kind
	Kind        *Kind
	Table       *Table
	NoCluster   bool
	Unavailable bool
}

// handleNamespace shows one kind of resource in a namespace (pods by
// default), with tabs for the others the cluster serves.
func (s *Server) handleNamespace(w http.ResponseWriter, r *http.Request, sess *Session) {
	ns, key := r.PathValue("ns"), r.PathValue("kind")
	if key == "" {
		key = "pods"
	}
	k := kindByKey(key)
	if !ValidNamespace(ns) || k == nil {
		s.renderProblem(w, r, sess, http.StatusNotFound, problem{Title: "Page not found",
			Detail: "There is no such namespace view.", Retry: "/namespaces"})
		return
	}
	st, err := s.settings(r.Context(), sess)
	if err != nil {
		s.serverError(w, r, sess, "load settings", err)
		return
	}
	p := &namespacePage{Layout: s.layoutFor(sess, ns, "namespaces"), Namespace: ns, Kind: k,
		Allowed: slices.Contains(st.AllowedNames(), ns)}
	if s.cluster == nil {
		p.NoCluster, p.Kinds = true, builtinKinds()
		s.render(w, http.StatusOK, "namespace", p)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), clusterTimeout)
	defer cancel()
	now := s.now()
	p.Kinds = s.cluster.Kinds(ctx, sess.IDToken, now)
	if !slices.Contains(p.Kinds, k) {
		s.renderProblem(w, r, sess, http.StatusNotFound, problem{Title: k.Title + " are not available",
			Detail: "This cluster does not serve " + k.GVR.Resource + "." + k.GVR.Group + " (its custom resource definition is not installed).",
			Retry:  "/namespaces/" + ns})
		return
	}
	p.Table, err = s.cluster.List(ctx, sess.IDToken, k, ns, now)
	var ae *AccessError
	switch {
	case err == nil:
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		s.clusterUnauthorized(w, r, sess)
		return
	case errors.As(err, &ae):
		s.clusterForbidden(w, r, sess, ae)
		return
	default:
		s.log.Warn("list", "kind", k.Key, "namespace", ns, "err", err)
		p.Unavailable = true
		s.render(w, http.StatusBadGateway, "namespace", p)
		return
	}
	s.render(w, http.StatusOK, "namespace", p)
}

func builtinKinds() []*Kind {
	var out []*Kind
	for _, k := range namespaceKinds {
		if !k.Optional {
			out = append(out, k)
		}
	}
	return out
}

// clusterUnauthorized: the API server did not accept the token. An older
// token is taken for expired or revoked: the session ends and the user signs
// in again. A token obtained moments ago would be refused again, so the page
// explains instead of looping through the issuer.
func (s *Server) clusterUnauthorized(w http.ResponseWriter, r *http.Request, sess *Session) {
	if sess.ReauthenticateOn401(s.now()) {
		s.log.Info("cluster 401: signing in again", "session", sess.ID)
		s.endSession(w, r, sess.Hash)
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	s.log.Warn("cluster 401 for a fresh token: the API server does not trust this issuer or audience", "session", sess.ID)
	s.renderProblem(w, r, sess, http.StatusUnauthorized, problem{
		Title: "The cluster does not accept your sign-in",
		Detail: "The Kubernetes API server rejected a token issued moments ago (401). Signing in again would not help: " +
			"the API server probably does not trust this issuer (" + s.cfg.IssuerURL + ") or expects another audience than " +
			s.cfg.ClientID + ". Ask the cluster's operators to check its OIDC authentication configuration.",
		Retry: "/"})
}

type forbiddenPage struct {
	Layout
	Denied       *AccessError
	Identity     *Identity
	IdentityNote string
}

// clusterForbidden shows who the cluster thinks the user is and what
// permission the page needed: a 403 is a missing role binding, not a reason
// to sign in again.
func (s *Server) clusterForbidden(w http.ResponseWriter, r *http.Request, sess *Session, ae *AccessError) {
	p := &forbiddenPage{Layout: s.layoutFor(sess, "Access denied", "namespaces"), Denied: ae}
	ctx, cancel := context.WithTimeout(r.Context(), clusterTimeout)
	defer cancel()
	id, err := s.cluster.WhoAmI(ctx, sess.IDToken)
	if err != nil {
		p.IdentityNote = "The cluster did not say who it takes you for: " + err.Error()
	} else {
		p.Identity = id
	}
	s.render(w, http.StatusForbidden, "forbidden", p)
}

// Hint is a kubectl command granting read access to what was denied.
func (p *forbiddenPage) Hint() string {
	if p.Identity == nil {
		return ""
	}
	name := "portal-view-" + dnsLabel(p.Identity.Username)
	if p.Denied.Namespace != "" {
		return fmt.Sprintf("kubectl create rolebinding %s --clusterrole=view --user=%s --namespace=%s", name, shellQuote(p.Identity.Username), p.Denied.Namespace)
	}
	return fmt.Sprintf("kubectl create clusterrolebinding %s --clusterrole=view --user=%s", name, shellQuote(p.Identity.Username))
}

// dnsLabel turns a username into a valid object name fragment.
func dnsLabel(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// shellQuote quotes a value for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
