package admin

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/registry"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Enterprise applications (service principals) and their single sign-on
// blade: Attributes & Claims, stored as the service principal's claims
// mapping policy, so tokens change exactly as after the Graph calls.

type spPage struct {
	Layout
	SP       *directory.ServicePrincipal
	App      *directory.Application // nil for apps of other organisations (Microsoft Graph)
	Tab      string
	CanWrite bool
	Error    *FormError
	// Single sign-on
	Claims        []ClaimView
	Policy        *directory.Policy
	SharedWith    int // other objects the policy is assigned to
	ClaimsBlocked bool
	// Add new claim
	Claim *claimForm
	Audit []*store.AuditRecord
}

type spListPage struct {
	Layout
	SPs   []*directory.ServicePrincipal
	Query string
}

func (s *Server) listServicePrincipals(w http.ResponseWriter, r *http.Request, p *principal) {
	sps, err := s.reg.Reader().ListServicePrincipals(r.Context(), p.Tenant.ID)
	if err != nil {
		s.serverError(w, r, p, "list service principals", err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	sps = slices.DeleteFunc(sps, func(sp *directory.ServicePrincipal) bool {
		return q != "" && !strings.Contains(strings.ToLower(sp.DisplayName), strings.ToLower(q)) && !strings.EqualFold(sp.AppID, q) && !strings.EqualFold(sp.ID, q)
	})
	slices.SortFunc(sps, func(a, b *directory.ServicePrincipal) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	s.render(w, http.StatusOK, "enterprise_applications", &spListPage{Layout: s.layout(r, p, "Enterprise applications", "enterprise"), SPs: sps, Query: q})
}

func (s *Server) loadSP(w http.ResponseWriter, r *http.Request, p *principal) (*directory.ServicePrincipal, *directory.Application, bool) {
	st := s.reg.Reader()
	sp, ok := lookup(s, w, r, p, "service principal", "Enterprise application", "/enterprise-applications", st.GetServicePrincipal)
	if !ok {
		return nil, nil, false
	}
	var app *directory.Application
	if sp.AppOwnerOrganizationID == p.Tenant.ID {
		var err error
		app, err = st.GetApplicationByAppID(r.Context(), p.Tenant.ID, sp.AppID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.serverError(w, r, p, "load application", err)
			return nil, nil, false
		}
	}
	return sp, app, true
}

func (s *Server) spPage(r *http.Request, p *principal, sp *directory.ServicePrincipal, app *directory.Application, tab, title string) *spPage {
	return &spPage{Layout: s.layout(r, p, title+" · "+sp.DisplayName, "enterprise",
		Crumb{"Enterprise applications", "/enterprise-applications"}, Crumb{sp.DisplayName, "/enterprise-applications/" + sp.ID}),
		// Claims are configured on this organization's applications only,
		// not on Microsoft's (Graph) as on Entra.
		SP: sp, App: app, Tab: tab, CanWrite: app != nil && p.can(registry.WritePolicies, registry.WriteApplications, registry.ReadPolicies)}
}

func (s *Server) servicePrincipalOverview(w http.ResponseWriter, r *http.Request, p *principal) {
	sp, app, ok := s.loadSP(w, r, p)
	if !ok {
		return
	}
	pg := s.spPage(r, p, sp, app, "overview", "Overview")
	var err error
	if pg.Audit, err = s.st.ListAuditRecords(r.Context(), p.Tenant.ID, sp.ID, 50); err != nil {
		s.serverError(w, r, p, "list audit records", err)
		return
	}
	s.render(w, http.StatusOK, "enterprise_overview", pg)
}

// extensionApps maps every directory extension of the tenant (lower-cased
// full name) to the display name of the app that owns it.
func (s *Server) extensionApps(r *http.Request, p *principal) (map[string]string, error) {
	defs, err := s.reg.Reader().ListExtensionProperties(r.Context(), p.Tenant.ID, "")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, d := range defs {
		out[strings.ToLower(d.Name)] = d.AppDisplayName
	}
	return out, nil
}

// spClaims reads the claims of a service principal's claims mapping policy
// (none: no policy).
func (s *Server) spClaims(r *http.Request, p *principal, sp *directory.ServicePrincipal) ([]ClaimView, *directory.Policy, error) {
	pols, err := s.reg.AssignedPolicies(r.Context(), p.Tenant.ID, sp.ID, directory.PolicyClaimsMapping)
	if err != nil || len(pols) == 0 {
		return []ClaimView{}, nil, err
	}
	d, err := parseClaimsDefinition(pols[0].Definition)
	if err != nil {
		return nil, nil, err
	}
	apps, err := s.extensionApps(r, p)
	if err != nil {
		return nil, nil, err
	}
	return d.claims(apps), pols[0], nil
}

func (s *Server) ssoView(w http.ResponseWriter, r *http.Request, p *principal, sp *directory.ServicePrincipal, app *directory.Application) (*spPage, bool) {
	pg := s.spPage(r, p, sp, app, "sso", "Single sign-on")
	claims, pol, err := s.spClaims(r, p, sp)
	if err != nil {
		s.serverError(w, r, p, "load claims mapping policy", err)
		return nil, false
	}
	pg.Claims, pg.Policy, pg.ClaimsBlocked = claims, pol, mappedClaimsBlocked(app, claims)
	if pol != nil {
		as, err := s.reg.Reader().ListPolicyAssignmentsByPolicy(r.Context(), p.Tenant.ID, pol.ID)
		if err != nil {
			s.serverError(w, r, p, "load policy assignments", err)
			return nil, false
		}
		pg.SharedWith = len(as) - 1
	}
	return pg, true
}

// loadSSO opens the handlers of the service principal's single sign-on
// blade: it loads the service principal and its claims view and, for a
// change (write), refuses an administrator who may not make it.
func (s *Server) loadSSO(w http.ResponseWriter, r *http.Request, p *principal, write bool) (*spPage, bool) {
	sp, app, ok := s.loadSP(w, r, p)
	if !ok {
		return nil, false
	}
	pg, ok := s.ssoView(w, r, p, sp, app)
	if !ok {
		return nil, false
	}
	if write && !pg.CanWrite {
		s.denied(w, p, "/enterprise-applications/"+sp.ID+"/sso")
		return nil, false
	}
	return pg, true
}

func (s *Server) ssoPage(w http.ResponseWriter, r *http.Request, p *principal) {
	if pg, ok := s.loadSSO(w, r, p, false); ok {
		s.render(w, http.StatusOK, "enterprise_sso", pg)
	}
}

// claimForm is the Add new claim blade, step by step: Name and Source;
// for a directory schema extension, Select Application, then its extension
// attributes; then Save.
type claimForm struct {
	Spec ClaimSpec
	// Step is where the form is: "source", "select-app", "select-extension", "review".
	Step string
	// AppID is the selected application's object id; Apps lists the
	// applications that own user extensions, Extensions the selected
	// one's.
	AppID      string
	AppName    string
	Apps       []extensionApp
	Extensions []*directory.ExtensionProperty
	Attributes []struct{ Label, ID string }
	ValueLabel string
	// Suggested is the extension preselected: the one named like the claim.
	Suggested string
	// SuggestedApp is the application preselected in Select Application:
	// the enterprise application's own registration when it owns
	// extensions (so a hurried click maps this app's attribute, not
	// another's), otherwise the first listed.
	SuggestedApp string
}

// suggestApp preselects the application whose object id is own, when it is
// listed.
func (f *claimForm) suggestApp(own string) {
	if len(f.Apps) > 0 {
		f.SuggestedApp = f.Apps[0].ID
	}
	for _, a := range f.Apps {
		if a.ID == own {
			f.SuggestedApp = own
		}
	}
}

type extensionApp struct {
	ID, Name, AppID string
	Count           int
}

// readClaimForm reads the wizard's state from the query (GET steps) or the
// form (Save).
func (s *Server) readClaimForm(r *http.Request, p *principal, v url.Values) (*claimForm, error) {
	f := &claimForm{Spec: ClaimSpec{Name: strings.TrimSpace(v.Get("name")), Source: v.Get("source"), Attribute: v.Get("attribute"),
		Extension: v.Get("extension")}, AppID: strings.ToLower(v.Get("app")), Attributes: userAttributes}
	if f.Spec.Source == "" {
		f.Spec.Source = sourceAttribute
	}
	defs, err := s.reg.Reader().ListExtensionProperties(r.Context(), p.Tenant.ID, "")
	if err != nil {
		return nil, err
	}
	byApp := map[string]*extensionApp{}
	var order []string
	for _, d := range defs {
		if !slices.ContainsFunc(d.TargetObjects, func(t string) bool { return strings.EqualFold(t, "User") }) {
			continue
		}
		ea := byApp[d.AppObjectID]
		if ea == nil {
			ea = &extensionApp{ID: d.AppObjectID, Name: d.AppDisplayName}
			byApp[d.AppObjectID] = ea
			order = append(order, d.AppObjectID)
		}
		ea.Count++
		if d.AppObjectID == f.AppID {
			f.Extensions = append(f.Extensions, d)
			f.AppName = d.AppDisplayName
		}
		if strings.EqualFold(d.Name, f.Spec.Extension) {
			f.Spec.Extension, f.AppID, f.AppName = d.Name, d.AppObjectID, d.AppDisplayName
		}
	}
	for _, id := range order {
		f.Apps = append(f.Apps, *byApp[id])
	}
	switch {
	case f.Spec.Source == sourceAttribute:
		f.Step, f.ValueLabel = "source", attributeLabel(f.Spec.Attribute)
	case f.Spec.Extension != "" && f.knownExtension():
		f.Step, f.ValueLabel = "review", "user."+extensionShort(f.Spec.Extension)
	case f.AppID != "" && len(f.Extensions) > 0:
		f.Step, f.Spec.Extension, f.Suggested = "select-extension", "", f.Extensions[0].Name
		for _, d := range f.Extensions {
			if strings.EqualFold(extensionShort(d.Name), f.Spec.Name) {
				f.Suggested = d.Name
			}
		}
	default:
		f.Step, f.AppID, f.Spec.Extension = "select-app", "", ""
	}
	return f, nil
}

func (f *claimForm) knownExtension() bool {
	for _, a := range f.Apps {
		if a.ID == f.AppID {
			return true
		}
	}
	return false
}

func (s *Server) claimForm(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadSSO(w, r, p, true)
	if !ok {
		return
	}
	sp, app := pg.SP, pg.App
	var err error
	if pg.Claim, err = s.readClaimForm(r, p, r.URL.Query()); err != nil {
		s.serverError(w, r, p, "read claim form", err)
		return
	}
	if app != nil {
		pg.Claim.suggestApp(app.ID)
	} else {
		pg.Claim.suggestApp("")
	}
	pg.Title = "Add new claim · " + sp.DisplayName
	s.render(w, http.StatusOK, "enterprise_claim", pg)
}

// saveClaim adds the claim to the service principal's claims mapping
// policy through Graph: PATCH the policy when it is this application's
// own; otherwise create one (copying a policy shared with other
// applications, so they keep theirs) and assign it with $ref.
func (s *Server) saveClaim(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadSSO(w, r, p, true)
	if !ok {
		return
	}
	sp := pg.SP
	r.ParseForm()
	f, err := s.readClaimForm(r, p, r.PostForm)
	if err != nil {
		s.serverError(w, r, p, "read claim form", err)
		return
	}
	pg.Claim, pg.Title = f, "Add new claim · "+sp.DisplayName
	if f.Spec.Source == sourceExtension && f.Step != "review" {
		pg.Error = formError("Select an application and one of its extension attributes before saving.")
		s.render(w, http.StatusBadRequest, "enterprise_claim", pg)
		return
	}
	d := newClaimsDefinition()
	if pg.Policy != nil {
		if d, err = parseClaimsDefinition(pg.Policy.Definition); err != nil {
			pg.Error = formError("The claims mapping policy assigned to this application cannot be edited here: %v. Change it through Microsoft Graph (PATCH /policies/claimsMappingPolicies/%s).", err, pg.Policy.ID)
			s.render(w, http.StatusConflict, "enterprise_claim", pg)
			return
		}
	}
	if err := d.add(f.Spec); err != nil {
		pg.Error = formError("%s.", upperFirst(err.Error()))
		s.render(w, http.StatusBadRequest, "enterprise_claim", pg)
		return
	}
	if gerr := s.storeClaims(r, p, sp, pg.Policy, pg.SharedWith > 0, d, "Add claim "+strings.TrimSpace(f.Spec.Name)); gerr != nil {
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "enterprise_claim", pg)
		return
	}
	http.Redirect(w, r, "/enterprise-applications/"+sp.ID+"/sso?done=claim-added", http.StatusSeeOther)
}

// storeClaims writes an edited definition as the service principal's
// claims mapping policy.
func (s *Server) storeClaims(r *http.Request, p *principal, sp *directory.ServicePrincipal, pol *directory.Policy, shared bool,
	d *claimsDefinition, what string) *graph.Error {
	ctx := r.Context()
	if pol != nil && !shared {
		_, gerr := s.apply(ctx, p, change{Activity: "Update policy – " + what, Method: "PATCH", Path: "policies/claimsMappingPolicies/" + pol.ID,
			Body: map[string]any{"definition": d.definition()}})
		return gerr
	}
	name := sp.DisplayName + " claims"
	resp, gerr := s.apply(ctx, p, change{Activity: "Add policy – " + what, Method: "POST", Path: "policies/claimsMappingPolicies",
		Body: map[string]any{"displayName": name, "definition": d.definition(), "isOrganizationDefault": false}})
	if gerr != nil {
		return gerr
	}
	created := &directory.Policy{ID: createdID(resp), DisplayName: name}
	if pol != nil {
		if _, gerr := s.apply(ctx, p, change{Activity: "Remove policy from service principal", Method: "DELETE",
			Path: "servicePrincipals/" + sp.ID + "/claimsMappingPolicies/" + pol.ID + "/$ref"}); gerr != nil {
			return gerr
		}
	}
	_, gerr = s.apply(ctx, p, change{Activity: "Add policy to service principal", Method: "POST",
		Path: "servicePrincipals/" + sp.ID + "/claimsMappingPolicies/$ref", Body: graphRef("policies/claimsMappingPolicies/" + created.ID)})
	return gerr
}

func (s *Server) confirmDeleteClaim(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadSSO(w, r, p, false)
	if !ok {
		return
	}
	sp := pg.SP
	name := r.URL.Query().Get("name")
	for _, c := range pg.Claims {
		if c.Name == name {
			s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Remove claim", "enterprise",
				Crumb{"Enterprise applications", "/enterprise-applications"}, Crumb{sp.DisplayName, "/enterprise-applications/" + sp.ID},
				Crumb{"Single sign-on", "/enterprise-applications/" + sp.ID + "/sso"}),
				Text:        "Remove the claim '" + c.Name + "' (" + c.Value + ") from " + sp.DisplayName + "'s tokens?",
				Consequence: "Tokens issued from now on no longer carry it; applications that read it lose the value.",
				Action:      "/enterprise-applications/" + sp.ID + "/sso/claim/delete", Button: "Remove claim",
				Cancel: "/enterprise-applications/" + sp.ID + "/sso", Hidden: map[string]string{"name": c.Name}})
			return
		}
	}
	s.notFound(w, p, "Claim", "/enterprise-applications/"+sp.ID+"/sso")
}

func (s *Server) deleteClaim(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadSSO(w, r, p, true)
	if !ok {
		return
	}
	sp := pg.SP
	name := r.PostFormValue("name")
	if pg.Policy == nil {
		s.notFound(w, p, "Claim", "/enterprise-applications/"+sp.ID+"/sso")
		return
	}
	d, err := parseClaimsDefinition(pg.Policy.Definition)
	if err != nil || !d.remove(name) {
		s.notFound(w, p, "Claim", "/enterprise-applications/"+sp.ID+"/sso")
		return
	}
	if gerr := s.storeClaims(r, p, sp, pg.Policy, pg.SharedWith > 0, d, "Remove claim "+name); gerr != nil {
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "enterprise_sso", pg)
		return
	}
	http.Redirect(w, r, "/enterprise-applications/"+sp.ID+"/sso?done=claim-removed", http.StatusSeeOther)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
