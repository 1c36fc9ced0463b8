package admin

import (
	"net/http"
	"slices"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// Token configuration: optional claims per token type and the groups
// claim, written as the application's optionalClaims and
// groupMembershipClaims.

// optionalClaimChoices are the optional claims Gatehouse emits
// (token.addOptionalClaim), with Entra's descriptions.
var optionalClaimChoices = []struct{ Name, Description string }{
	{"email", "The addressable email for this user, if the user has one"},
	{"upn", "An identifier for the user that can be used with the username_hint parameter"},
	{"given_name", "The user's first name"},
	{"family_name", "The user's last name"},
	{"preferred_username", "The primary username that represents the user"},
	{"auth_time", "Time when the user last authenticated"},
	{"sid", "Session ID, used for per-session user sign-out"},
	{"idtyp", "Token type (user or app)"},
	{"login_hint", "An opaque, reliable login hint claim"},
	{"verified_primary_email", "The user's verified primary email"},
	{"ipaddr", "The IP address the client signed in from"},
}

// groupClaimChoices are groupMembershipClaims' values, as the admin centre
// words them.
var groupClaimChoices = []struct{ Value, Label string }{
	{directory.GroupClaimsNone, "No groups claim"},
	{directory.GroupClaimsSecurityGroup, "Security groups"},
	{directory.GroupClaimsDirectoryRole, "Directory roles"},
	{directory.GroupClaimsAll, "All groups (security groups, directory roles)"},
	{directory.GroupClaimsApplicationGroup, "Groups assigned to the application"},
}

type tokenConfigView struct {
	Choices      []optionalClaimRow
	Kept         []directory.OptionalClaim // other entries (directory extensions), kept as they are
	GroupClaims  string
	GroupChoices []struct{ Value, Label string }
}

type optionalClaimRow struct {
	Name, Description string
	ID, Access        bool
}

func tokenConfig(a *directory.Application) *tokenConfigView {
	has := func(list []directory.OptionalClaim, name string) bool {
		return slices.ContainsFunc(list, func(c directory.OptionalClaim) bool { return c.Name == name && c.Source == nil })
	}
	v := &tokenConfigView{GroupClaims: a.GroupMembershipClaims, GroupChoices: groupClaimChoices}
	if v.GroupClaims == "" {
		v.GroupClaims = directory.GroupClaimsNone
	}
	known := map[string]bool{}
	for _, c := range optionalClaimChoices {
		known[c.Name] = true
		v.Choices = append(v.Choices, optionalClaimRow{Name: c.Name, Description: c.Description,
			ID: has(a.OptionalClaims.IDToken, c.Name), Access: has(a.OptionalClaims.AccessToken, c.Name)})
	}
	for _, c := range append(slices.Clone(a.OptionalClaims.IDToken), a.OptionalClaims.AccessToken...) {
		if c.Source != nil || !known[c.Name] {
			v.Kept = append(v.Kept, c)
		}
	}
	return v
}

// optionalClaimsFromForm is the application's optionalClaims after the
// form: the chosen claims per token type, in the form's order, keeping the
// settings of claims that stay and every entry the form does not show.
func optionalClaimsFromForm(cur directory.OptionalClaims, idNames, accessNames []string) directory.OptionalClaims {
	choose := func(existing []directory.OptionalClaim, names []string) []directory.OptionalClaim {
		out := []directory.OptionalClaim{}
		shown := map[string]bool{}
		for _, c := range optionalClaimChoices {
			shown[c.Name] = true
			if !slices.Contains(names, c.Name) {
				continue
			}
			i := slices.IndexFunc(existing, func(e directory.OptionalClaim) bool { return e.Name == c.Name && e.Source == nil })
			if i >= 0 {
				out = append(out, existing[i])
			} else {
				out = append(out, directory.OptionalClaim{Name: c.Name, AdditionalProperties: []string{}})
			}
		}
		for _, e := range existing {
			if e.Source != nil || !shown[e.Name] {
				out = append(out, e)
			}
		}
		return out
	}
	saml := cur.Saml2Token
	if saml == nil {
		saml = []directory.OptionalClaim{}
	}
	return directory.OptionalClaims{IDToken: choose(cur.IDToken, idNames), AccessToken: choose(cur.AccessToken, accessNames), Saml2Token: saml}
}

func (s *Server) tokenConfigurationPage(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadAppTab(w, r, p, "token-configuration", "Token configuration")
	if !ok {
		return
	}
	a := pg.App
	pg.TokenConfig = tokenConfig(a)
	s.render(w, http.StatusOK, "application_token_configuration", pg)
}

func (s *Server) saveTokenConfiguration(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	r.ParseForm()
	body := map[string]any{
		"optionalClaims":        optionalClaimsFromForm(a.OptionalClaims, r.PostForm["id_token"], r.PostForm["access_token"]),
		"groupMembershipClaims": r.PostFormValue("groups_claim"),
	}
	_, gerr := s.apply(r.Context(), p, change{Activity: "Update application – Token configuration", Method: "PATCH", Path: "applications/" + a.ID,
		Body: body})
	if gerr != nil {
		pg := s.appPage(r, p, a, sp, "token-configuration", "Token configuration")
		pg.TokenConfig = tokenConfig(a)
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "application_token_configuration", pg)
		return
	}
	http.Redirect(w, r, "/applications/"+a.ID+"/token-configuration?done=saved", http.StatusSeeOther)
}
