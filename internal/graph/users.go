package graph

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
)

// renderUser renders Graph's user. Without $select, v1.0 returns its
// default property set and no extension values; extension values appear
// only when $select names them, and only those whose definition exists
// (defined: lower-cased names).
func renderUser(u *directory.User, selected []string, defined map[string]bool) map[string]any {
	if len(selected) == 0 {
		m := map[string]any{}
		for _, k := range []string{"id", "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
			"officeLocation", "preferredLanguage", "surname", "userPrincipalName"} {
			m[k] = nil
		}
		full := renderUserFull(u, nil)
		for k := range m {
			m[k] = full[k]
		}
		return m
	}
	return project(renderUserFull(u, defined), selected)
}

// renderUserFull has every property Gatehouse models, with the values of
// the defined extensions. Entra keeps the values of a deleted definition
// but no longer shows them.
func renderUserFull(u *directory.User, defined map[string]bool) map[string]any {
	nick, _, _ := strings.Cut(u.UserPrincipalName, "@")
	m := map[string]any{
		"id": u.ID, "businessPhones": []string{}, "displayName": u.DisplayName, "givenName": nullIfEmpty(u.GivenName),
		"jobTitle": nil, "mail": nullIfEmpty(u.Mail), "mobilePhone": nil, "officeLocation": nil, "preferredLanguage": nil,
		"surname": nullIfEmpty(u.Surname), "userPrincipalName": u.UserPrincipalName, "accountEnabled": u.AccountEnabled,
		"createdDateTime": u.CreatedAt.UTC().Format(time.RFC3339), "mailNickname": nick, "deletedDateTime": nil,
		"signInSessionsValidFromDateTime": timeOrNil(u.SignInSessionsValidFrom),
	}
	for k, v := range u.Extensions {
		if defined[strings.ToLower(k)] {
			m[k] = v
		}
	}
	return m
}

// definedExtensions returns the lower-cased names of the tenant's
// extension definitions.
func (s *Server) definedExtensions(r *request) (map[string]bool, *Error) {
	defs, err := s.dir.ListExtensionProperties(r.ctx, r.actor.TenantID, "")
	if err != nil {
		return nil, fromDomain(err, "")
	}
	out := make(map[string]bool, len(defs))
	for _, d := range defs {
		out[strings.ToLower(d.Name)] = true
	}
	return out, nil
}

func (s *Server) user(r *request, key string) (*directory.User, *Error) {
	st := s.dir
	var (
		u   *directory.User
		err error
	)
	if directory.IsGUID(key) {
		u, err = st.GetUser(r.ctx, r.actor.TenantID, strings.ToLower(key))
	} else {
		u, err = st.GetUserByUPN(r.ctx, r.actor.TenantID, key)
	}
	if err != nil {
		return nil, fromDomain(err, key)
	}
	return u, nil
}

func (s *Server) listUsers(r *request) *Error {
	q, gerr := r.query()
	if gerr != nil {
		return gerr
	}
	users, err := s.dir.ListUsers(r.ctx, r.actor.TenantID)
	if err != nil {
		return fromDomain(err, "")
	}
	defined, gerr := s.definedExtensions(r)
	if gerr != nil {
		return gerr
	}
	items := []map[string]any{}
	for _, u := range users {
		if q.filter.matches(renderUserFull(u, defined)) {
			items = append(items, renderUser(u, q.selected, defined))
		}
	}
	q.filter = nil // applied above, on every property
	return r.writeCollection("users", items, q)
}

func (s *Server) getUser(r *request) *Error {
	q, u, gerr := queryAndEntity(r, s.user)
	if gerr != nil {
		return gerr
	}
	context := "users/$entity"
	if q.selected != nil {
		context = "users(" + strings.Join(q.selected, ",") + ")/$entity"
	}
	defined, gerr := s.definedExtensions(r)
	if gerr != nil {
		return gerr
	}
	return r.writeEntity(http.StatusOK, context, renderUser(u, q.selected, defined))
}

// userPatch is the writable part of a user.
type userPatch struct {
	AccountEnabled    *bool
	DisplayName       *string
	GivenName         *string
	Surname           *string
	Mail              *string
	UserPrincipalName *string
	MailNickname      *string
	Password          *string
	Extensions        map[string]json.RawMessage
}

// readUserPatch reads a create/PATCH body, refusing properties the type
// does not have.
func readUserPatch(r *request) (*userPatch, *Error) {
	props, gerr := r.readBody()
	if gerr != nil {
		return nil, gerr
	}
	p := &userPatch{Extensions: map[string]json.RawMessage{}}
	for k, raw := range props {
		var gerr *Error
		switch {
		case k == "accountEnabled":
			gerr = decodeInto(raw, k, &p.AccountEnabled)
		case k == "displayName":
			gerr = decodeInto(raw, k, &p.DisplayName)
		case k == "givenName":
			gerr = decodeInto(raw, k, &p.GivenName)
		case k == "surname":
			gerr = decodeInto(raw, k, &p.Surname)
		case k == "mail":
			gerr = decodeInto(raw, k, &p.Mail)
		case k == "userPrincipalName":
			gerr = decodeInto(raw, k, &p.UserPrincipalName)
		case k == "mailNickname":
			gerr = decodeInto(raw, k, &p.MailNickname)
		case k == "passwordProfile":
			var pp struct {
				Password                             *string `json:"password"`
				ForceChangePasswordNextSignIn        *bool   `json:"forceChangePasswordNextSignIn"`
				ForceChangePasswordNextSignInWithMfa *bool   `json:"forceChangePasswordNextSignInWithMfa"`
			}
			if gerr = decodeInto(raw, k, &pp); gerr == nil {
				p.Password = pp.Password
			}
		case strings.HasPrefix(strings.ToLower(k), "extension_"):
			p.Extensions[k] = raw
		case k == "@odata.type", k == "jobTitle", k == "officeLocation", k == "mobilePhone", k == "preferredLanguage",
			k == "businessPhones", k == "usageLocation", k == "department", k == "companyName":
			// Accepted and ignored: Gatehouse does not model them yet.
		default:
			gerr = unknownProperty(k, "user")
		}
		if gerr != nil {
			return nil, gerr
		}
	}
	return p, nil
}

func (s *Server) createUser(r *request) *Error {
	p, gerr := readUserPatch(r)
	if gerr != nil {
		return gerr
	}
	var missing []string
	if p.AccountEnabled == nil {
		missing = append(missing, "accountEnabled")
	}
	if p.DisplayName == nil {
		missing = append(missing, "displayName")
	}
	if p.MailNickname == nil {
		missing = append(missing, "mailNickname")
	}
	if p.UserPrincipalName == nil {
		missing = append(missing, "userPrincipalName")
	}
	if p.Password == nil {
		missing = append(missing, "passwordProfile")
	}
	if len(missing) > 0 {
		return badRequest("Property '%s' is required when creating the object.", strings.Join(missing, "', '"))
	}
	ext, err := s.reg.ExtensionValues(r.ctx, r.actor.TenantID, "User", p.Extensions)
	if err != nil {
		return fromDomain(err, "")
	}
	spec := registry.UserSpec{UserPrincipalName: *p.UserPrincipalName, DisplayName: *p.DisplayName, Password: *p.Password,
		AccountDisabled: !*p.AccountEnabled, Extensions: ext}
	if p.GivenName != nil {
		spec.GivenName = *p.GivenName
	}
	if p.Surname != nil {
		spec.Surname = *p.Surname
	}
	if p.Mail != nil {
		spec.Mail = *p.Mail
	}
	u, err := s.reg.CreateUser(r.ctx, r.actor, spec)
	if err != nil {
		return fromDomain(err, "")
	}
	return r.writeEntity(http.StatusCreated, "users/$entity", renderUser(u, nil, nil))
}

func setExtensions(u *directory.User, ext map[string]any) {
	if u.Extensions == nil {
		u.Extensions = map[string]any{}
	}
	for k, v := range ext {
		if v == nil {
			delete(u.Extensions, k)
		} else {
			u.Extensions[k] = v
		}
	}
}

func (s *Server) patchUser(r *request) *Error {
	u, gerr := s.user(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	p, gerr := readUserPatch(r)
	if gerr != nil {
		return gerr
	}
	ext, err := s.reg.ExtensionValues(r.ctx, r.actor.TenantID, "User", p.Extensions)
	if err != nil {
		return fromDomain(err, u.ID)
	}
	var hash string
	if p.Password != nil {
		if err := directory.ValidatePassword(*p.Password); err != nil {
			return fromDomain(err, u.ID)
		}
		if hash, err = directory.HashPassword(*p.Password); err != nil {
			return fromDomain(err, u.ID)
		}
	}
	_, err = s.reg.UpdateUser(r.ctx, r.actor, u.ID, func(u *directory.User) error {
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&u.DisplayName, p.DisplayName)
		set(&u.GivenName, p.GivenName)
		set(&u.Surname, p.Surname)
		set(&u.Mail, p.Mail)
		set(&u.UserPrincipalName, p.UserPrincipalName)
		if p.AccountEnabled != nil {
			u.AccountEnabled = *p.AccountEnabled
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		setExtensions(u, ext)
		return nil
	})
	if err != nil {
		return fromDomain(err, u.ID)
	}
	return r.noContent()
}

func (s *Server) deleteUser(r *request) *Error {
	u, gerr := s.user(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.DeleteUser(r.ctx, r.actor, u.ID); err != nil {
		return fromDomain(err, u.ID)
	}
	return r.noContent()
}

// revokeSignInSessions invalidates the user's sessions and refresh tokens
// (POST users/{id}/revokeSignInSessions): Graph answers {"value": true}.
func (s *Server) revokeSignInSessions(r *request) *Error {
	u, gerr := s.user(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if _, err := s.reg.RevokeSignInSessions(r.ctx, r.actor, u.ID); err != nil {
		return fromDomain(err, u.ID)
	}
	return r.writeEntity(http.StatusOK, "Edm.Boolean", map[string]any{"value": true})
}

func (s *Server) listUserMemberOf(r *request) *Error {
	q, u, gerr := queryAndEntity(r, s.user)
	if gerr != nil {
		return gerr
	}
	groups, err := s.dir.ListMemberOf(r.ctx, r.actor.TenantID, u.ID)
	if err != nil {
		return fromDomain(err, u.ID)
	}
	memberOf := func(g *directory.Group) map[string]any { return withType(renderGroup(g), "group") }
	return r.writeCollection("directoryObjects", renderAll(groups, memberOf), q)
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
