package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/registry"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/policy"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Token lifetime policies: the tenant's list, and an application's
// assignment (the guide's steps 5 and 6, POST policies/tokenLifetimePolicies
// and POST applications/{id}/tokenLifetimePolicies/$ref).

// lifetimeView is one token lifetime policy as pages show it.
type lifetimeView struct {
	Policy   *directory.Policy
	Lifetime time.Duration // 0: the policy does not set AccessTokenLifetime
	Invalid  string        // why the definition cannot be read
	Apps     []string      // display names of what it is assigned to
}

func viewLifetime(p *directory.Policy) lifetimeView {
	v := lifetimeView{Policy: p}
	d, err := policy.ParseTokenLifetime(p.Definition)
	if err != nil {
		v.Invalid = err.Error()
	}
	v.Lifetime = d
	return v
}

// lifetimeDefinition is a policy definition from the form's HH:MM:SS (the
// guide's example: 04:00:00).
func lifetimeDefinition(accessTokenLifetime string) []string {
	doc, _ := json.Marshal(map[string]any{"TokenLifetimePolicy": map[string]any{"Version": 1, "AccessTokenLifetime": strings.TrimSpace(accessTokenLifetime)}})
	return []string{string(doc)}
}

type appLifetimeView struct {
	Assigned []lifetimeView
	Policies []lifetimeView
	// Effective is the lifetime of new tokens for the app and why.
	Effective       time.Duration
	EffectiveSource string
	CanCreate       bool
	// The create-and-assign form, as typed.
	NewName, NewLifetime string
}

func (s *Server) appLifetime(r *http.Request, p *principal, a *directory.Application, sp *directory.ServicePrincipal) (*appLifetimeView, error) {
	assigned, err := s.reg.AssignedPolicies(r.Context(), p.Tenant.ID, a.ID, directory.PolicyTokenLifetime)
	if err != nil {
		return nil, err
	}
	all, err := s.reg.Reader().ListPolicies(r.Context(), p.Tenant.ID, directory.PolicyTokenLifetime)
	if err != nil {
		return nil, err
	}
	v := &appLifetimeView{CanCreate: p.can(registry.WritePolicies), NewName: "Custom Access Token Lifetime", NewLifetime: "04:00:00"}
	for _, pol := range assigned {
		v.Assigned = append(v.Assigned, viewLifetime(pol))
	}
	for _, pol := range all {
		v.Policies = append(v.Policies, viewLifetime(pol))
	}
	// What policy.Service.TokenLifetime decides, said in words.
	v.Effective, err = s.pipeline.Policies.TokenLifetime(r.Context(), p.Tenant.ID, a, sp)
	if err != nil {
		return nil, err
	}
	switch {
	case len(v.Assigned) > 0:
		v.EffectiveSource = "the policy assigned to this application"
	case sp != nil && s.hasPolicy(r, p, sp.ID):
		v.EffectiveSource = "the policy assigned to its enterprise application"
	case v.Effective > 0:
		v.EffectiveSource = "the organization default policy"
	default:
		v.Effective, v.EffectiveSource = time.Hour, "Entra's default (no policy applies)"
	}
	return v, nil
}

func (s *Server) hasPolicy(r *http.Request, p *principal, objectID string) bool {
	as, err := s.reg.Reader().ListPolicyAssignmentsByObject(r.Context(), p.Tenant.ID, objectID, directory.PolicyTokenLifetime)
	return err == nil && len(as) > 0
}

func (s *Server) renderAppLifetime(w http.ResponseWriter, r *http.Request, p *principal, a *directory.Application, sp *directory.ServicePrincipal,
	status int, ferr *FormError, newName, newLifetime string) {
	pg := s.appPage(r, p, a, sp, "token-lifetime", "Token lifetime")
	v, err := s.appLifetime(r, p, a, sp)
	if err != nil {
		s.serverError(w, r, p, "load token lifetime", err)
		return
	}
	if newName != "" || newLifetime != "" {
		v.NewName, v.NewLifetime = newName, newLifetime
	}
	pg.Lifetime, pg.Error = v, ferr
	s.render(w, status, "application_token_lifetime", pg)
}

func (s *Server) appTokenLifetimePage(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	s.renderAppLifetime(w, r, p, a, sp, http.StatusOK, nil, "", "")
}

// assignAppTokenLifetime assigns an existing policy, or creates one from
// the form and assigns it.
func (s *Server) assignAppTokenLifetime(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	policyID := r.PostFormValue("policy_id")
	name, lifetime := strings.TrimSpace(r.PostFormValue("new_name")), strings.TrimSpace(r.PostFormValue("new_lifetime"))
	fail := func(status int, fe *FormError) { s.renderAppLifetime(w, r, p, a, sp, status, fe, name, lifetime) }
	var pol *directory.Policy
	if r.PostFormValue("mode") == "new" {
		if name == "" || lifetime == "" {
			fail(http.StatusBadRequest, formError("Enter the new policy's name and its access token lifetime (HH:MM:SS, e.g. 04:00:00)."))
			return
		}
		resp, gerr := s.apply(r.Context(), p, change{Activity: "Add policy", Method: "POST", Path: "policies/tokenLifetimePolicies",
			Body: map[string]any{"displayName": name, "definition": lifetimeDefinition(lifetime), "isOrganizationDefault": false}})
		if gerr != nil {
			fail(gerr.Status, graphError(gerr))
			return
		}
		policyID = createdID(resp)
	}
	pol, err := s.reg.GetPolicy(r.Context(), p.Tenant.ID, directory.PolicyTokenLifetime, strings.ToLower(policyID))
	if errors.Is(err, store.ErrNotFound) {
		fail(http.StatusBadRequest, formError("Choose a token lifetime policy to assign."))
		return
	}
	if err != nil {
		s.serverError(w, r, p, "load policy", err)
		return
	}
	_, gerr := s.apply(r.Context(), p, change{Activity: "Add policy to application", Method: "POST",
		Path: "applications/" + a.ID + "/tokenLifetimePolicies/$ref", Body: graphRef("policies/tokenLifetimePolicies/" + pol.ID)})
	if gerr != nil {
		fail(gerr.Status, graphError(gerr))
		return
	}
	http.Redirect(w, r, "/applications/"+a.ID+"/token-lifetime?done=policy-assigned", http.StatusSeeOther)
}

func (s *Server) confirmRemoveAppTokenLifetime(w http.ResponseWriter, r *http.Request, p *principal) {
	a, _, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	pol, err := s.reg.GetPolicy(r.Context(), p.Tenant.ID, directory.PolicyTokenLifetime, strings.ToLower(r.URL.Query().Get("policy")))
	if err != nil {
		s.notFound(w, p, "Token lifetime policy", "/applications/"+a.ID+"/token-lifetime")
		return
	}
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Remove token lifetime policy", "applications",
		Crumb{"App registrations", "/applications"}, Crumb{a.DisplayName, "/applications/" + a.ID}, Crumb{"Token lifetime", "/applications/" + a.ID + "/token-lifetime"}),
		Text:        "Remove the token lifetime policy '" + pol.DisplayName + "' from " + a.DisplayName + "?",
		Consequence: "The policy itself stays; new tokens for the application get the organization default or Entra's default lifetime.",
		Action:      "/applications/" + a.ID + "/token-lifetime/remove", Button: "Remove policy", Cancel: "/applications/" + a.ID + "/token-lifetime",
		Hidden: map[string]string{"policy_id": pol.ID}})
}

func (s *Server) removeAppTokenLifetime(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	id := strings.ToLower(r.PostFormValue("policy_id"))
	targets := []store.AuditTarget{appTarget(a)}
	if pol, err := s.reg.GetPolicy(r.Context(), p.Tenant.ID, directory.PolicyTokenLifetime, id); err == nil {
		targets = append(targets, policyTarget(pol))
	}
	_, gerr := s.apply(r.Context(), p, change{Activity: "Remove policy from application", Method: "DELETE",
		Path: "applications/" + a.ID + "/tokenLifetimePolicies/" + id + "/$ref"})
	if gerr != nil {
		s.renderAppLifetime(w, r, p, a, sp, gerr.Status, graphError(gerr), "", "")
		return
	}
	http.Redirect(w, r, "/applications/"+a.ID+"/token-lifetime?done=policy-removed", http.StatusSeeOther)
}

// The tenant's token lifetime policies.

type lifetimePoliciesPage struct {
	Layout
	Policies []lifetimeView
	CanWrite bool
	Error    *FormError
	// The new policy form, as typed.
	Name, Lifetime string
	Default        bool
}

func (s *Server) lifetimePolicies(r *http.Request, p *principal) ([]lifetimeView, error) {
	st := s.reg.Reader()
	all, err := st.ListPolicies(r.Context(), p.Tenant.ID, directory.PolicyTokenLifetime)
	if err != nil {
		return nil, err
	}
	var out []lifetimeView
	for _, pol := range all {
		v := viewLifetime(pol)
		as, err := st.ListPolicyAssignmentsByPolicy(r.Context(), p.Tenant.ID, pol.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if app, err := st.GetApplication(r.Context(), p.Tenant.ID, a.ObjectID); err == nil {
				v.Apps = append(v.Apps, app.DisplayName)
			} else if sp, err := st.GetServicePrincipal(r.Context(), p.Tenant.ID, a.ObjectID); err == nil {
				v.Apps = append(v.Apps, sp.DisplayName+" (enterprise application)")
			}
		}
		slices.Sort(v.Apps)
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) listLifetimePolicies(w http.ResponseWriter, r *http.Request, p *principal) {
	list, err := s.lifetimePolicies(r, p)
	if err != nil {
		s.serverError(w, r, p, "list token lifetime policies", err)
		return
	}
	s.render(w, http.StatusOK, "lifetime_policies", &lifetimePoliciesPage{Layout: s.layout(r, p, "Token lifetime policies", "policies"),
		Policies: list, CanWrite: p.can(registry.WritePolicies)})
}

func (s *Server) newLifetimePolicyForm(w http.ResponseWriter, r *http.Request, p *principal) {
	if !p.can(registry.WritePolicies) {
		s.denied(w, p, "/token-lifetime-policies")
		return
	}
	s.render(w, http.StatusOK, "lifetime_policy_new", &lifetimePoliciesPage{Layout: s.layout(r, p, "New token lifetime policy", "policies",
		Crumb{"Token lifetime policies", "/token-lifetime-policies"}), Name: "Custom Access Token Lifetime", Lifetime: "04:00:00"})
}

func (s *Server) createLifetimePolicy(w http.ResponseWriter, r *http.Request, p *principal) {
	pg := &lifetimePoliciesPage{Layout: s.layout(r, p, "New token lifetime policy", "policies", Crumb{"Token lifetime policies", "/token-lifetime-policies"}),
		Name: strings.TrimSpace(r.PostFormValue("name")), Lifetime: strings.TrimSpace(r.PostFormValue("lifetime")), Default: r.PostFormValue("default") == "on"}
	if pg.Name == "" || pg.Lifetime == "" {
		pg.Error = formError("Enter the policy's name and its access token lifetime (HH:MM:SS, e.g. 04:00:00).")
		s.render(w, http.StatusBadRequest, "lifetime_policy_new", pg)
		return
	}
	_, gerr := s.apply(r.Context(), p, change{Activity: "Add policy", Method: "POST", Path: "policies/tokenLifetimePolicies",
		Body: map[string]any{"displayName": pg.Name, "definition": lifetimeDefinition(pg.Lifetime), "isOrganizationDefault": pg.Default}})
	if gerr != nil {
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "lifetime_policy_new", pg)
		return
	}
	http.Redirect(w, r, "/token-lifetime-policies?done=created", http.StatusSeeOther)
}

func (s *Server) confirmDeleteLifetimePolicy(w http.ResponseWriter, r *http.Request, p *principal) {
	pol, err := s.reg.GetPolicy(r.Context(), p.Tenant.ID, directory.PolicyTokenLifetime, strings.ToLower(r.PathValue("id")))
	if err != nil {
		s.notFound(w, p, "Token lifetime policy", "/token-lifetime-policies")
		return
	}
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Delete token lifetime policy", "policies",
		Crumb{"Token lifetime policies", "/token-lifetime-policies"}),
		Text:        "Delete the token lifetime policy '" + pol.DisplayName + "'?",
		Consequence: "Its assignments go with it: applications it applies to get the organization default or Entra's default lifetime. This cannot be undone.",
		Action:      "/token-lifetime-policies/" + pol.ID + "/delete", Button: "Delete policy", Cancel: "/token-lifetime-policies"})
}

func (s *Server) deleteLifetimePolicy(w http.ResponseWriter, r *http.Request, p *principal) {
	pol, err := s.reg.GetPolicy(r.Context(), p.Tenant.ID, directory.PolicyTokenLifetime, strings.ToLower(r.PathValue("id")))
	if err != nil {
		s.notFound(w, p, "Token lifetime policy", "/token-lifetime-policies")
		return
	}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Delete policy", Method: "DELETE", Path: "policies/tokenLifetimePolicies/" + pol.ID}); gerr != nil {
		fe := graphError(gerr)
		s.renderProblem(w, p, gerr.Status, problem{Title: "The policy was not deleted", Detail: fe.Message, Code: fe.Code, Retry: "/token-lifetime-policies"})
		return
	}
	http.Redirect(w, r, "/token-lifetime-policies?done=deleted", http.StatusSeeOther)
}
