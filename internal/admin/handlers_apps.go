package admin

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/registry"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// appPage is every blade of an app registration: the frame and each tab's
// own fields.
type appPage struct {
	Layout
	App      *directory.Application
	SP       *directory.ServicePrincipal // nil: no enterprise application yet
	Tab      string
	CanWrite bool
	Error    *FormError

	// Overview
	IssuerV1, IssuerV2 string
	MappedClaims       []ClaimView
	ClaimsBlocked      bool
	// Authentication (form values as typed)
	WebURIs, PublicURIs, LogoutURL string
	AllowPublicFlows, IDTokens     bool
	// Certificates & secrets
	NewSecret   string
	NewSecretID string
	Now         time.Time
	// API permissions, Token configuration, Manifest, Token lifetime, Audit
	Permissions *permissionsView
	TokenConfig *tokenConfigView
	Manifest    string
	ManifestErr *ManifestError
	Lifetime    *appLifetimeView
	Audit       []*store.AuditRecord
}

// loadApp resolves the app registration of the path; it renders the page
// for a missing one.
func (s *Server) loadApp(w http.ResponseWriter, r *http.Request, p *principal) (*directory.Application, *directory.ServicePrincipal, bool) {
	st := s.reg.Reader()
	a, ok := lookup(s, w, r, p, "application", "App registration", "/applications", st.GetApplication)
	if !ok {
		return nil, nil, false
	}
	sp, err := st.GetServicePrincipalByAppID(r.Context(), p.Tenant.ID, a.AppID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, p, "load service principal", err)
		return nil, nil, false
	}
	return a, sp, true
}

// loadAppTab opens the handlers of one tab of an app registration's blade:
// it loads the registration and starts its page.
func (s *Server) loadAppTab(w http.ResponseWriter, r *http.Request, p *principal, tab, title string) (*appPage, bool) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return nil, false
	}
	return s.appPage(r, p, a, sp, tab, title), true
}

func (s *Server) appPage(r *http.Request, p *principal, a *directory.Application, sp *directory.ServicePrincipal, tab, title string) *appPage {
	return &appPage{Layout: s.layout(r, p, title+" · "+a.DisplayName, "applications",
		Crumb{"App registrations", "/applications"}, Crumb{a.DisplayName, "/applications/" + a.ID}),
		App: a, SP: sp, Tab: tab, CanWrite: p.can(registry.WriteApplications), Now: s.now()}
}

type appListPage struct {
	Layout
	Apps     []*directory.Application
	Query    string
	CanWrite bool
}

func (s *Server) listApplications(w http.ResponseWriter, r *http.Request, p *principal) {
	apps, err := s.reg.Reader().ListApplications(r.Context(), p.Tenant.ID)
	if err != nil {
		s.serverError(w, r, p, "list applications", err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	apps = slices.DeleteFunc(apps, func(a *directory.Application) bool {
		return q != "" && !strings.Contains(strings.ToLower(a.DisplayName), strings.ToLower(q)) && !strings.EqualFold(a.AppID, q) && !strings.EqualFold(a.ID, q)
	})
	slices.SortFunc(apps, func(a, b *directory.Application) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	s.render(w, http.StatusOK, "applications", &appListPage{Layout: s.layout(r, p, "App registrations", "applications"),
		Apps: apps, Query: q, CanWrite: p.can(registry.WriteApplications)})
}

type newAppPage struct {
	Layout
	Error                 *FormError
	Name, Audience        string
	Platform, RedirectURI string
}

func (s *Server) newApplicationForm(w http.ResponseWriter, r *http.Request, p *principal) {
	if !p.can(registry.WriteApplications) {
		s.denied(w, p, "/applications")
		return
	}
	s.render(w, http.StatusOK, "application_new", &newAppPage{Layout: s.layout(r, p, "Register an application", "applications",
		Crumb{"App registrations", "/applications"}), Audience: directory.AudienceMyOrg, Platform: "web"})
}

// createApplication registers an app as the Entra admin centre does: the
// application, then its service principal (Graph's POST /applications
// creates none).
func (s *Server) createApplication(w http.ResponseWriter, r *http.Request, p *principal) {
	f := &newAppPage{Layout: s.layout(r, p, "Register an application", "applications", Crumb{"App registrations", "/applications"}),
		Name: strings.TrimSpace(r.PostFormValue("display_name")), Audience: r.PostFormValue("sign_in_audience"),
		Platform: r.PostFormValue("platform"), RedirectURI: strings.TrimSpace(r.PostFormValue("redirect_uri"))}
	// Entra's new registrations configure Microsoft Graph's User.Read, the
	// permission that signs users in; consent to it is still needed.
	userRead := directory.GraphScopeByValue("User.Read")
	body := map[string]any{"displayName": f.Name, "signInAudience": f.Audience,
		"requiredResourceAccess": []directory.RequiredResourceAccess{{ResourceAppID: directory.GraphAppID,
			ResourceAccess: []directory.ResourceAccess{{ID: userRead.ID, Type: "Scope"}}}}}
	if f.RedirectURI != "" {
		switch f.Platform {
		case "public":
			body["publicClient"] = map[string]any{"redirectUris": []string{f.RedirectURI}}
		default:
			body["web"] = map[string]any{"redirectUris": []string{f.RedirectURI}}
		}
	}
	if f.Name == "" {
		f.Error = formError("Enter the application's display name.")
		s.render(w, http.StatusBadRequest, "application_new", f)
		return
	}
	resp, gerr := s.apply(r.Context(), p, change{Activity: "Add application", Method: "POST", Path: "applications", Body: body})
	if gerr != nil {
		f.Error = graphError(gerr)
		s.render(w, gerr.Status, "application_new", f)
		return
	}
	a, err := s.reg.Reader().GetApplication(r.Context(), p.Tenant.ID, createdID(resp))
	if err != nil {
		s.serverError(w, r, p, "load created application", err)
		return
	}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Add service principal", Method: "POST", Path: "servicePrincipals",
		Body: map[string]string{"appId": a.AppID}}); gerr != nil {
		s.log.Warn("register application: service principal not created", "app", a.ID, "code", gerr.Code)
	}
	http.Redirect(w, r, "/applications/"+a.ID+"?done=created", http.StatusSeeOther)
}

func (s *Server) applicationOverview(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadAppTab(w, r, p, "overview", "Overview")
	if !ok {
		return
	}
	a, sp := pg.App, pg.SP
	pg.IssuerV1, pg.IssuerV2 = token.Issuer(s.cfg.LoginBaseURL, p.Tenant.ID, 1), token.Issuer(s.cfg.LoginBaseURL, p.Tenant.ID, 2)
	if sp != nil {
		claims, _, err := s.spClaims(r, p, sp)
		if err != nil {
			s.serverError(w, r, p, "load claims mapping", err)
			return
		}
		pg.MappedClaims, pg.ClaimsBlocked = claims, mappedClaimsBlocked(a, claims)
	}
	s.render(w, http.StatusOK, "application_overview", pg)
}

// Authentication: redirect URIs per platform, public client flows.

func (s *Server) authenticationForm(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadAppTab(w, r, p, "authentication", "Authentication")
	if !ok {
		return
	}
	a := pg.App
	pg.WebURIs, pg.PublicURIs, pg.LogoutURL = strings.Join(a.Web.RedirectURIs, "\n"), strings.Join(a.PublicClient.RedirectURIs, "\n"), a.Web.LogoutURL
	pg.AllowPublicFlows, pg.IDTokens = a.IsFallbackPublicClient, a.Web.EnableIDTokenIssuance
	s.render(w, http.StatusOK, "application_authentication", pg)
}

// authenticationBody is the Graph PATCH of the Authentication form.
func authenticationBody(web, public, logoutURL string, publicFlows, idTokens bool) map[string]any {
	var logout any
	if l := strings.TrimSpace(logoutURL); l != "" {
		logout = l
	}
	return map[string]any{
		"web": map[string]any{"redirectUris": lines(web), "logoutUrl": logout,
			"implicitGrantSettings": map[string]any{"enableIdTokenIssuance": idTokens}},
		"publicClient":           map[string]any{"redirectUris": lines(public)},
		"isFallbackPublicClient": publicFlows,
	}
}

func (s *Server) saveAuthentication(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadAppTab(w, r, p, "authentication", "Authentication")
	if !ok {
		return
	}
	a := pg.App
	pg.WebURIs, pg.PublicURIs, pg.LogoutURL = r.PostFormValue("web_redirect_uris"), r.PostFormValue("public_redirect_uris"), r.PostFormValue("logout_url")
	pg.AllowPublicFlows, pg.IDTokens = r.PostFormValue("allow_public_flows") == "yes", r.PostFormValue("id_tokens") == "on"
	_, gerr := s.apply(r.Context(), p, change{Activity: "Update application – Authentication", Method: "PATCH", Path: "applications/" + a.ID,
		Body: authenticationBody(pg.WebURIs, pg.PublicURIs, pg.LogoutURL, pg.AllowPublicFlows, pg.IDTokens)})
	if gerr != nil {
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "application_authentication", pg)
		return
	}
	http.Redirect(w, r, "/applications/"+a.ID+"/authentication?done=saved", http.StatusSeeOther)
}

// Certificates & secrets.

func (s *Server) secretsPage(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	s.render(w, http.StatusOK, "application_secrets", s.appPage(r, p, a, sp, "secrets", "Certificates & secrets"))
}

// secretLifetimes are the expiry choices of a new client secret (the
// Entra admin centre's, 180 days recommended).
var secretLifetimes = map[string]time.Duration{"90d": 90 * 24 * time.Hour, "180d": 180 * 24 * time.Hour,
	"365d": 365 * 24 * time.Hour, "730d": 730 * 24 * time.Hour}

// addSecret adds a client secret and shows it once: the response is the
// page itself, never a redirect, so the secret is in no URL or history.
func (s *Server) addSecret(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadAppTab(w, r, p, "secrets", "Certificates & secrets")
	if !ok {
		return
	}
	a := pg.App
	lifetime, known := secretLifetimes[r.PostFormValue("expires")]
	if !known {
		pg.Error = formError("Choose when the secret expires.")
		s.render(w, http.StatusBadRequest, "application_secrets", pg)
		return
	}
	body := map[string]any{"passwordCredential": map[string]any{"displayName": strings.TrimSpace(r.PostFormValue("description")),
		"endDateTime": s.now().Add(lifetime).UTC().Format(time.RFC3339)}}
	resp, gerr := s.apply(r.Context(), p, change{Activity: "Update application – Certificates and secrets management", Method: "POST",
		Path: "applications/" + a.ID + "/addPassword", Body: body})
	if gerr != nil {
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "application_secrets", pg)
		return
	}
	var cred struct {
		KeyID      string `json:"keyId"`
		SecretText string `json:"secretText"`
	}
	decodeJSON(resp.Body, &cred)
	if pg.App, pg.SP, ok = s.loadApp(w, r, p); !ok {
		return
	}
	pg.NewSecret, pg.NewSecretID = cred.SecretText, cred.KeyID
	pg.Notice = "Client secret added. Copy its value now: it is never shown again."
	s.render(w, http.StatusOK, "application_secrets", pg)
}

func findSecret(a *directory.Application, keyID string) *directory.PasswordCredential {
	for i := range a.PasswordCredentials {
		if strings.EqualFold(a.PasswordCredentials[i].KeyID, keyID) {
			return &a.PasswordCredentials[i]
		}
	}
	return nil
}

func (s *Server) confirmDeleteSecret(w http.ResponseWriter, r *http.Request, p *principal) {
	a, _, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	c := findSecret(a, r.PathValue("key"))
	if c == nil {
		s.notFound(w, p, "Client secret", "/applications/"+a.ID+"/secrets")
		return
	}
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Delete client secret", "applications",
		Crumb{"App registrations", "/applications"}, Crumb{a.DisplayName, "/applications/" + a.ID}, Crumb{"Certificates & secrets", "/applications/" + a.ID + "/secrets"}),
		Text:        "Delete the client secret '" + secretLabel(c) + "' (value starting " + c.Hint + "…, expires " + c.EndDateTime.UTC().Format("2006-01-02") + ") of " + a.DisplayName + "?",
		Consequence: "Clients that authenticate with it get AADSTS7000215 from then on. This cannot be undone.",
		Action:      "/applications/" + a.ID + "/secrets/" + url.PathEscape(c.KeyID) + "/delete", Button: "Delete secret",
		Cancel: "/applications/" + a.ID + "/secrets"})
}

func secretLabel(c *directory.PasswordCredential) string {
	if c.DisplayName != "" {
		return c.DisplayName
	}
	return c.KeyID
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	_, gerr := s.apply(r.Context(), p, change{Activity: "Update application – Certificates and secrets management", Method: "POST",
		Path: "applications/" + a.ID + "/removePassword", Body: map[string]string{"keyId": r.PathValue("key")}})
	if gerr != nil {
		pg := s.appPage(r, p, a, sp, "secrets", "Certificates & secrets")
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "application_secrets", pg)
		return
	}
	http.Redirect(w, r, "/applications/"+a.ID+"/secrets?done=deleted", http.StatusSeeOther)
}

// Delete the app registration.

// ownRegistration refuses to delete the admin centre's own app
// registration from the admin centre: nobody could sign in afterwards.
func (s *Server) ownRegistration(w http.ResponseWriter, p *principal, a *directory.Application) bool {
	if !strings.EqualFold(a.AppID, s.cfg.ClientID) {
		return false
	}
	s.renderProblem(w, p, http.StatusBadRequest, problem{Title: "This is the admin centre's own registration",
		Detail: "Deleting it would lock every administrator out of the admin centre in this tenant. (Microsoft Graph still allows it.)",
		Retry:  "/applications/" + a.ID})
	return true
}

func (s *Server) confirmDeleteApplication(w http.ResponseWriter, r *http.Request, p *principal) {
	a, _, ok := s.loadApp(w, r, p)
	if !ok || s.ownRegistration(w, p, a) {
		return
	}
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Delete app registration", "applications",
		Crumb{"App registrations", "/applications"}, Crumb{a.DisplayName, "/applications/" + a.ID}),
		Text:        "Delete the app registration " + a.DisplayName + " (client id " + a.AppID + ")?",
		Consequence: "Its enterprise application, client secrets, extension properties and policy assignments go with it; users lose their extension values' meaning. This cannot be undone.",
		Action:      "/applications/" + a.ID + "/delete", Button: "Delete app registration", Cancel: "/applications/" + a.ID})
}

func (s *Server) deleteApplication(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok || s.ownRegistration(w, p, a) {
		return
	}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Delete application", Method: "DELETE", Path: "applications/" + a.ID}); gerr != nil {
		pg := s.appPage(r, p, a, sp, "overview", "Overview")
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "application_overview", pg)
		return
	}
	http.Redirect(w, r, "/applications?done=deleted", http.StatusSeeOther)
}

func (s *Server) applicationAudit(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadAppTab(w, r, p, "audit", "Audit logs")
	if !ok {
		return
	}
	a := pg.App
	var err error
	if pg.Audit, err = s.st.ListAuditRecords(r.Context(), p.Tenant.ID, a.ID, 200); err != nil {
		s.serverError(w, r, p, "list audit records", err)
		return
	}
	s.render(w, http.StatusOK, "application_audit", pg)
}

// confirmPage asks before a delete.
type confirmPage struct {
	Layout
	Text, Consequence      string
	Action, Button, Cancel string
	Hidden                 map[string]string
	Error                  *FormError
}
