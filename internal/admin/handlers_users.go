package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/registry"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Users: list, new, and the user's page: properties, password reset,
// directory extension values (the guide's step 6), groups, and the sign-in
// test that shows the claims an ID token would carry right now.

type usersPage struct {
	Layout
	Users    []*directory.User
	Query    string
	CanWrite bool
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p *principal) {
	users, err := s.reg.Reader().ListUsers(r.Context(), p.Tenant.ID)
	if err != nil {
		s.serverError(w, r, p, "list users", err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	users = slices.DeleteFunc(users, func(u *directory.User) bool {
		ql := strings.ToLower(q)
		return q != "" && !strings.Contains(strings.ToLower(u.DisplayName), ql) && !strings.Contains(strings.ToLower(u.UserPrincipalName), ql) && !strings.EqualFold(u.ID, q)
	})
	slices.SortFunc(users, func(a, b *directory.User) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	s.render(w, http.StatusOK, "users", &usersPage{Layout: s.layout(r, p, "Users", "users"), Users: users, Query: q, CanWrite: p.can(registry.WriteUsers)})
}

type newUserPage struct {
	Layout
	Error                    *FormError
	UPN, DisplayName, Domain string
	Enabled                  bool
	// Created is the new user and Password the generated password, shown once.
	Created  *directory.User
	Password string
}

func (s *Server) newUserForm(w http.ResponseWriter, r *http.Request, p *principal) {
	if !p.can(registry.WriteUsers) {
		s.denied(w, p, "/users")
		return
	}
	s.render(w, http.StatusOK, "user_new", &newUserPage{Layout: s.layout(r, p, "New user", "users", Crumb{"Users", "/users"}),
		Domain: p.Tenant.InitialDomain, Enabled: true})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p *principal) {
	pg := &newUserPage{Layout: s.layout(r, p, "New user", "users", Crumb{"Users", "/users"}), Domain: p.Tenant.InitialDomain,
		UPN: strings.TrimSpace(r.PostFormValue("upn")), DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		Enabled: r.PostFormValue("account_enabled") == "on"}
	typed := r.PostFormValue("password")
	body, password, err := newUserBody(pg.UPN, pg.DisplayName, typed, pg.Enabled)
	if err != nil {
		pg.Error = formError("%s.", upperFirst(err.Error()))
		s.render(w, http.StatusBadRequest, "user_new", pg)
		return
	}
	resp, gerr := s.apply(r.Context(), p, change{Activity: "Add user", Method: "POST", Path: "users", Body: body})
	if gerr != nil {
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "user_new", pg)
		return
	}
	id := createdID(resp)
	if typed != "" {
		http.Redirect(w, r, "/users/"+id+"?done=created", http.StatusSeeOther)
		return
	}
	// A generated password is shown on this answer only, never in a URL.
	u, err := s.reg.Reader().GetUser(r.Context(), p.Tenant.ID, id)
	if err != nil {
		s.serverError(w, r, p, "load created user", err)
		return
	}
	pg.Created, pg.Password = u, password
	pg.Notice = "User created. Copy the password now: it is never shown again."
	s.render(w, http.StatusOK, "user_new", pg)
}

type userPage struct {
	Layout
	U               *directory.User
	CanWrite        bool
	CanWriteMembers bool
	CanReadApps     bool
	// Error belongs to Section: properties, password, extensions, groups.
	Error   *FormError
	Section string
	// Properties as typed.
	DisplayName, GivenName, Surname, Mail string
	Enabled                               bool
	NewPassword                           string
	Extensions                            []extensionField
	Groups                                []*directory.Group
	OtherGroups                           []*directory.Group
	RoleNames                             []string
	Apps                                  []*directory.Application
	Test                                  *signInTestView
	Audit                                 []*store.AuditRecord
}

// extensionField is one directory extension on the user's page.
type extensionField struct {
	Def     *directory.ExtensionProperty
	Short   string
	Value   string
	FieldID string
}

func (s *Server) loadUser(w http.ResponseWriter, r *http.Request, p *principal) (*directory.User, bool) {
	return lookup(s, w, r, p, "user", "User", "/users", s.reg.Reader().GetUser)
}

// loadUserGroup reads the user and the group of a membership's
// /users/{id}/groups/{group} route.
func (s *Server) loadUserGroup(w http.ResponseWriter, r *http.Request, p *principal) (*directory.User, *directory.Group, bool) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return nil, nil, false
	}
	g, err := s.reg.Reader().GetGroup(r.Context(), p.Tenant.ID, strings.ToLower(r.PathValue("group")))
	if err != nil {
		s.notFound(w, p, "Group", "/users/"+u.ID)
		return nil, nil, false
	}
	return u, g, true
}

// userView reads everything the user's page shows.
func (s *Server) userView(r *http.Request, p *principal, u *directory.User) (*userPage, error) {
	st := s.reg.Reader()
	pg := &userPage{Layout: s.layout(r, p, u.DisplayName, "users", Crumb{"Users", "/users"}), U: u,
		CanWrite: p.can(registry.WriteUsers), CanWriteMembers: p.can(registry.WriteGroupMembers), CanReadApps: p.can(registry.ReadApplications, registry.ReadPolicies),
		DisplayName: u.DisplayName, GivenName: u.GivenName, Surname: u.Surname, Mail: u.Mail, Enabled: u.AccountEnabled}
	for _, id := range u.DirectoryRoles {
		if n := RoleName(id); n != "" {
			pg.RoleNames = append(pg.RoleNames, n)
		} else {
			pg.RoleNames = append(pg.RoleNames, id)
		}
	}
	defs, err := st.ListExtensionProperties(r.Context(), p.Tenant.ID, "")
	if err != nil {
		return nil, err
	}
	for i, d := range defs {
		if !slices.ContainsFunc(d.TargetObjects, func(t string) bool { return strings.EqualFold(t, "User") }) {
			continue
		}
		pg.Extensions = append(pg.Extensions, extensionField{Def: d, Short: extensionShort(d.Name), Value: extensionText(u.Extensions[d.Name]),
			FieldID: fmt.Sprintf("ext-%d", i)})
	}
	if pg.Groups, err = st.ListMemberOf(r.Context(), p.Tenant.ID, u.ID); err != nil {
		return nil, err
	}
	all, err := st.ListGroups(r.Context(), p.Tenant.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range all {
		if !slices.ContainsFunc(pg.Groups, func(m *directory.Group) bool { return m.ID == g.ID }) {
			pg.OtherGroups = append(pg.OtherGroups, g)
		}
	}
	sortGroups(pg.Groups)
	sortGroups(pg.OtherGroups)
	apps, err := st.ListApplications(r.Context(), p.Tenant.ID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(apps, func(a, b *directory.Application) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	pg.Apps = apps
	if pg.Audit, err = s.st.ListAuditRecords(r.Context(), p.Tenant.ID, u.ID, 50); err != nil {
		return nil, err
	}
	return pg, nil
}

func sortGroups(gs []*directory.Group) {
	slices.SortFunc(gs, func(a, b *directory.Group) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, p *principal, u *directory.User, status int, section string, fe *FormError, edit func(*userPage)) {
	pg, err := s.userView(r, p, u)
	if err != nil {
		s.serverError(w, r, p, "load user page", err)
		return
	}
	pg.Section, pg.Error = section, fe
	if edit != nil {
		edit(pg)
	}
	s.render(w, status, "user", pg)
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, p *principal) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return
	}
	s.renderUser(w, r, p, u, http.StatusOK, "", nil, nil)
}

func (s *Server) saveUser(w http.ResponseWriter, r *http.Request, p *principal) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return
	}
	typed := func(pg *userPage) {
		pg.DisplayName, pg.GivenName, pg.Surname, pg.Mail = r.PostFormValue("display_name"), r.PostFormValue("given_name"), r.PostFormValue("surname"), r.PostFormValue("mail")
		pg.Enabled = r.PostFormValue("account_enabled") == "on"
	}
	if u.ID == p.User.ID && r.PostFormValue("account_enabled") != "on" {
		s.renderUser(w, r, p, u, http.StatusBadRequest, "properties", formError("You cannot block sign-in for the account you are signed in with."), typed)
		return
	}
	body := map[string]any{"displayName": strings.TrimSpace(r.PostFormValue("display_name")), "givenName": strings.TrimSpace(r.PostFormValue("given_name")),
		"surname": strings.TrimSpace(r.PostFormValue("surname")), "mail": strings.TrimSpace(r.PostFormValue("mail")),
		"accountEnabled": r.PostFormValue("account_enabled") == "on"}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Update user", Method: "PATCH", Path: "users/" + u.ID, Body: body}); gerr != nil {
		s.renderUser(w, r, p, u, gerr.Status, "properties", graphError(gerr), typed)
		return
	}
	http.Redirect(w, r, "/users/"+u.ID+"?done=saved", http.StatusSeeOther)
}

// resetPassword sets a new password (typed, or generated and shown once on
// this answer).
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, p *principal) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return
	}
	password := r.PostFormValue("password")
	generated := password == ""
	if generated {
		password = GeneratePassword()
	}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Reset user password", Method: "PATCH", Path: "users/" + u.ID,
		Body: map[string]any{"passwordProfile": map[string]any{"password": password, "forceChangePasswordNextSignIn": false}}}); gerr != nil {
		s.renderUser(w, r, p, u, gerr.Status, "password", graphError(gerr), nil)
		return
	}
	if !generated {
		http.Redirect(w, r, "/users/"+u.ID+"?done=password-reset", http.StatusSeeOther)
		return
	}
	s.renderUser(w, r, p, u, http.StatusOK, "password", nil, func(pg *userPage) {
		pg.NewPassword = password
		pg.Notice = "The password was reset. Copy it now: it is never shown again."
	})
}

// extensionPatch is the Graph PATCH body of the extension values form: the
// values that changed, each in its data type's JSON (null removes one).
func extensionPatch(fields []extensionField, form func(string) string) (map[string]json.RawMessage, error) {
	patch := map[string]json.RawMessage{}
	for _, f := range fields {
		typed := form(f.Def.Name)
		if strings.TrimSpace(typed) == strings.TrimSpace(f.Value) {
			continue
		}
		v, err := extensionValue(f.Def, typed)
		if err != nil {
			return nil, err
		}
		patch[f.Def.Name] = v
	}
	return patch, nil
}

func (s *Server) saveExtensionValues(w http.ResponseWriter, r *http.Request, p *principal) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return
	}
	pg, err := s.userView(r, p, u)
	if err != nil {
		s.serverError(w, r, p, "load user page", err)
		return
	}
	r.ParseForm()
	typed := func(pg *userPage) {
		for i := range pg.Extensions {
			pg.Extensions[i].Value = r.PostFormValue(pg.Extensions[i].Def.Name)
		}
	}
	patch, err := extensionPatch(pg.Extensions, r.PostFormValue)
	if err != nil {
		s.renderUser(w, r, p, u, http.StatusBadRequest, "extensions", formError("%s.", upperFirst(err.Error())), typed)
		return
	}
	if len(patch) == 0 {
		http.Redirect(w, r, "/users/"+u.ID+"?done=saved#extensions", http.StatusSeeOther)
		return
	}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Update user – directory extension values", Method: "PATCH", Path: "users/" + u.ID,
		Body: patch}); gerr != nil {
		s.renderUser(w, r, p, u, gerr.Status, "extensions", graphError(gerr), typed)
		return
	}
	http.Redirect(w, r, "/users/"+u.ID+"?done=saved#extensions", http.StatusSeeOther)
}

func (s *Server) addUserToGroup(w http.ResponseWriter, r *http.Request, p *principal) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return
	}
	g, err := s.reg.Reader().GetGroup(r.Context(), p.Tenant.ID, strings.ToLower(r.PostFormValue("group_id")))
	if err != nil {
		s.renderUser(w, r, p, u, http.StatusBadRequest, "groups", formError("Choose a group."), nil)
		return
	}
	if _, gerr := s.apply(r.Context(), p, addMember(g, u)); gerr != nil {
		s.renderUser(w, r, p, u, gerr.Status, "groups", graphError(gerr), nil)
		return
	}
	http.Redirect(w, r, "/users/"+u.ID+"?done=member-added#groups", http.StatusSeeOther)
}

func (s *Server) confirmRemoveUserFromGroup(w http.ResponseWriter, r *http.Request, p *principal) {
	u, g, ok := s.loadUserGroup(w, r, p)
	if !ok {
		return
	}
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Remove group membership", "users", Crumb{"Users", "/users"}, Crumb{u.DisplayName, "/users/" + u.ID}),
		Text:        "Remove " + u.DisplayName + " from the group " + g.DisplayName + "?",
		Consequence: "The group's id leaves the groups claim of the user's next tokens.",
		Action:      "/users/" + u.ID + "/groups/" + g.ID + "/remove", Button: "Remove from group", Cancel: "/users/" + u.ID + "#groups"})
}

func (s *Server) removeUserFromGroup(w http.ResponseWriter, r *http.Request, p *principal) {
	u, g, ok := s.loadUserGroup(w, r, p)
	if !ok {
		return
	}
	if _, gerr := s.apply(r.Context(), p, removeMember(g, u.ID, u)); gerr != nil {
		s.renderUser(w, r, p, u, gerr.Status, "groups", graphError(gerr), nil)
		return
	}
	http.Redirect(w, r, "/users/"+u.ID+"?done=member-removed#groups", http.StatusSeeOther)
}

func (s *Server) confirmDeleteUser(w http.ResponseWriter, r *http.Request, p *principal) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return
	}
	if u.ID == p.User.ID {
		s.renderProblem(w, p, http.StatusBadRequest, problem{Title: "You cannot delete yourself",
			Detail: "This is the account you are signed in with. Ask another administrator to delete it.", Retry: "/users/" + u.ID})
		return
	}
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Delete user", "users", Crumb{"Users", "/users"}, Crumb{u.DisplayName, "/users/" + u.ID}),
		Text:        "Delete the user " + u.DisplayName + " (" + u.UserPrincipalName + ")?",
		Consequence: "Their group memberships and app role assignments go with them, and they can no longer sign in. This cannot be undone.",
		Action:      "/users/" + u.ID + "/delete", Button: "Delete user", Cancel: "/users/" + u.ID})
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, p *principal) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return
	}
	if u.ID == p.User.ID {
		s.renderUser(w, r, p, u, http.StatusBadRequest, "properties", formError("You cannot delete the account you are signed in with."), nil)
		return
	}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Delete user", Method: "DELETE", Path: "users/" + u.ID}); gerr != nil {
		s.renderUser(w, r, p, u, gerr.Status, "properties", graphError(gerr), nil)
		return
	}
	http.Redirect(w, r, "/users?done=deleted", http.StatusSeeOther)
}

// The sign-in test.

type signInTestView struct {
	App     *directory.Application
	Version int
	Issuer  string
	// Claims in name order; Mapped names those the claims mapping policy added.
	Claims   []claimValue
	Lifetime time.Duration
	// Failure is what the sign-in would answer instead of a token.
	Failure     string
	FailureCode string
	FixHref     string
}

type claimValue struct {
	Name, Value string
	Mapped      bool
}

func (s *Server) signInTest(w http.ResponseWriter, r *http.Request, p *principal) {
	u, ok := s.loadUser(w, r, p)
	if !ok {
		return
	}
	if !p.can(registry.ReadUsers, registry.ReadApplications, registry.ReadPolicies) {
		s.denied(w, p, "/users/"+u.ID)
		return
	}
	q := r.URL.Query()
	version := 1
	if q.Get("version") == "2" {
		version = 2
	}
	st := s.reg.Reader()
	app, err := st.GetApplication(r.Context(), p.Tenant.ID, strings.ToLower(q.Get("app")))
	if err != nil {
		s.renderUser(w, r, p, u, http.StatusBadRequest, "signin-test", formError("Choose the application to sign in to."), nil)
		return
	}
	t := &signInTestView{App: app, Version: version, Issuer: token.Issuer(s.cfg.LoginBaseURL, p.Tenant.ID, version)}
	sp, err := st.GetServicePrincipalByAppID(r.Context(), p.Tenant.ID, app.AppID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		t.FailureCode, t.Failure = "AADSTS7000112", "Application '"+app.AppID+"'("+app.DisplayName+") has no service principal in this tenant; it cannot sign in. Grant admin consent on its API permissions page to create it."
	case err != nil:
		s.serverError(w, r, p, "load service principal", err)
		return
	case !sp.AccountEnabled:
		t.FailureCode, t.Failure = "AADSTS7000112", "Application '"+app.AppID+"'("+app.DisplayName+") is disabled."
	case !u.AccountEnabled:
		t.FailureCode, t.Failure = "AADSTS50057", "The user account is disabled."
	default:
		tok, err := s.pipeline.PreviewIDToken(r.Context(), token.IDTokenPreview{BaseURL: s.cfg.LoginBaseURL, Version: version,
			Tenant: p.Tenant, Client: app, ClientSP: sp, User: u, OIDCScopes: []string{"openid", "profile", "email"}, Now: s.now()})
		switch {
		case errors.Is(err, token.ErrMappedClaimsNotAccepted):
			t.FailureCode = "AADSTS50146"
			t.Failure = "This application is required to be configured with an application-specific signing key. It is either not configured with one, or the key has expired or is not yet valid. Please contact the owner of the application. (The enterprise application has a claims mapping policy, but the app registration's api.acceptMappedClaims is not true.)"
			t.FixHref = "/applications/" + app.ID + "/manifest"
		case err != nil:
			s.serverError(w, r, p, "preview ID token", err)
			return
		default:
			mapped := map[string]bool{}
			if claims, _, err := s.spClaims(r, p, sp); err == nil {
				for _, c := range claims {
					mapped[c.Name] = true
				}
			}
			t.Claims, t.Lifetime = claimValues(tok.Claims, mapped), tok.ExpiresAt.Sub(tok.IssuedAt)
		}
	}
	s.renderUser(w, r, p, u, http.StatusOK, "signin-test", nil, func(pg *userPage) { pg.Test = t })
}

// claimValues lists a token's claims in name order, values as JSON unless
// they are strings; time claims are said as dates too.
func claimValues(c map[string]any, mapped map[string]bool) []claimValue {
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]claimValue, 0, len(names))
	for _, n := range names {
		var v string
		switch x := c[n].(type) {
		case string:
			v = x
		case int64:
			v = fmt.Sprint(x)
			if n == "iat" || n == "nbf" || n == "exp" || n == "auth_time" {
				v += "  (" + time.Unix(x, 0).UTC().Format("2006-01-02 15:04:05 UTC") + ")"
			}
		default:
			b, _ := json.Marshal(x)
			v = string(b)
		}
		out = append(out, claimValue{Name: n, Value: v, Mapped: mapped[n]})
	}
	return out
}
