package graph

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// caller is the authenticated principal of a Graph request.
type caller struct {
	TenantID string
	AppOnly  bool
	Roles    []string // application permissions (app-only tokens)
	Scopes   []string // delegated permissions (user tokens)
	User     *directory.User
}

// Permission model.
//
// App-only tokens (client credentials) carry the application permissions
// admin-consented to the client in `roles`; an operation is allowed when one
// of the permissions Microsoft Graph documents for it is present.
//
// Delegated tokens (a user's token with `scp`) are allowed when the token
// carries one of the operation's delegated permissions (or
// Directory.AccessAsUser.All) AND the signed-in user holds a directory role
// that may do it: Global Administrator may do everything; Application
// Administrator and Cloud Application Administrator manage applications,
// service principals and application policies; User Administrator manages
// users and groups. Any signed-in user may read.
type permission struct {
	app       []string // application permissions, any of
	delegated []string // delegated permissions, any of
	roles     []string // directory roles allowed to use the delegated permission
	write     bool
}

var (
	appAdmins  = []string{directory.RoleGlobalAdministrator, directory.RoleApplicationAdministrator, directory.RoleCloudApplicationAdministrator}
	userAdmins = []string{directory.RoleGlobalAdministrator, directory.RoleUserAdministrator}

	permReadApplications  = permission{app: []string{"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.Read.All", "Directory.ReadWrite.All"}, delegated: []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"}}
	permWriteApplications = permission{app: []string{"Application.ReadWrite.All"}, delegated: []string{"Application.ReadWrite.All"}, roles: appAdmins, write: true}
	permReadUsers         = permission{app: []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}, delegated: []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}}
	permWriteUsers        = permission{app: []string{"User.ReadWrite.All", "Directory.ReadWrite.All"}, delegated: []string{"User.ReadWrite.All"}, roles: userAdmins, write: true}
	permReadGroups        = permission{app: []string{"Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "GroupMember.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}, delegated: []string{"Group.Read.All", "Directory.Read.All"}}
	permWriteGroups       = permission{app: []string{"Group.ReadWrite.All", "Directory.ReadWrite.All"}, delegated: []string{"Group.ReadWrite.All"}, roles: userAdmins, write: true}
	permWriteMembers      = permission{app: []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}, delegated: []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All"}, roles: userAdmins, write: true}
	permAssignAppRoles    = permission{app: []string{"AppRoleAssignment.ReadWrite.All"}, delegated: []string{"AppRoleAssignment.ReadWrite.All"}, roles: []string{directory.RoleGlobalAdministrator}, write: true}
	permReadPolicies      = permission{app: []string{"Policy.Read.All", "Policy.ReadWrite.ApplicationConfiguration"}, delegated: []string{"Policy.Read.All", "Policy.ReadWrite.ApplicationConfiguration"}}
	permWritePolicies     = permission{app: []string{"Policy.ReadWrite.ApplicationConfiguration"}, delegated: []string{"Policy.ReadWrite.ApplicationConfiguration"}, roles: appAdmins, write: true}
)

// allowed reports whether the caller holds every one of the permissions
// (each is a set of alternatives).
func (c *caller) allowed(perms ...permission) bool {
	for _, p := range perms {
		if !c.allowedOne(p) {
			return false
		}
	}
	return true
}

func (c *caller) allowedOne(p permission) bool {
	if c.AppOnly {
		return overlaps(c.Roles, p.app)
	}
	if !overlaps(c.Scopes, p.delegated) && !slices.Contains(c.Scopes, "Directory.AccessAsUser.All") {
		return false
	}
	if !p.write {
		return true
	}
	return c.User != nil && overlaps(c.User.DirectoryRoles, p.roles)
}

func overlaps(have, want []string) bool {
	for _, w := range want {
		for _, h := range have {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

// authenticate validates the bearer token: signed by Gatehouse, issued by
// one of its public URLs, audience Microsoft Graph, not expired.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*caller, *Error) {
	// RFC 9110 §11.1: the auth scheme is case-insensitive.
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return nil, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token is empty.")
	}
	claims, err := token.Verify(strings.TrimSpace(raw), s.keys, s.clock())
	if err != nil {
		// Say what kind of failure it was, not the verifier's internals.
		reason := "Invalid signature or malformed token."
		if strings.Contains(err.Error(), "expired") {
			reason = "Lifetime validation failed, the token is expired."
		}
		s.log.Info("graph token refused", "reason", err.Error())
		return nil, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. %s", reason)
	}
	if !s.ownIssuer(claims.String("iss")) {
		return nil, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. Invalid issuer.")
	}
	if aud := claims.String("aud"); aud != directory.GraphIdentifier && aud != directory.GraphAppID && aud != directory.GraphIdentifier+"/" {
		return nil, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. Invalid audience.")
	}
	tid := claims.String("tid")
	if _, err := s.reg.Store().GetTenant(ctx, tid); err != nil {
		return nil, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. Unknown tenant.")
	}
	// Gatehouse marks every token: idtyp app or user. A user token without
	// scp has no delegated permission and is refused by allowedOne.
	c := &caller{TenantID: tid, AppOnly: claims.String("idtyp") == "app"}
	if list, ok := claims["roles"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				c.Roles = append(c.Roles, s)
			}
		}
	}
	if c.AppOnly {
		return c, nil
	}
	c.Scopes = strings.Fields(claims.String("scp"))
	u, err := s.reg.Store().GetUser(ctx, tid, claims.String("oid"))
	if err != nil || !u.AccountEnabled {
		return nil, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. The user no longer exists or is disabled.")
	}
	c.User = u
	return c, nil
}

// ownIssuer reports whether iss names one of this server's public URLs.
func (s *Server) ownIssuer(iss string) bool {
	u, err := url.Parse(iss)
	if err != nil {
		return false
	}
	return s.bases[strings.ToLower(u.Scheme+"://"+u.Host)]
}

// mayManage protects privileged accounts, as Entra does: a user who holds a
// directory role can be deleted, disabled, renamed or have the password
// reset only by a signed-in Global Administrator. Otherwise a User
// Administrator (or an app with User.ReadWrite.All) could take over a
// Global Administrator account.
func (c *caller) mayManage(target *directory.User, sensitive bool) *Error {
	if !sensitive || len(target.DirectoryRoles) == 0 {
		return nil
	}
	if c.AppOnly || c.User == nil || !slices.Contains(c.User.DirectoryRoles, directory.RoleGlobalAdministrator) {
		return errDenied
	}
	return nil
}
