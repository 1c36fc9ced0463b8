package consent

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Reader is what the decision reads.
type Reader interface {
	ListPermissionGrants(ctx context.Context, tenantID string, f store.PermissionGrantFilter) ([]*directory.PermissionGrant, error)
}

// Request is one question: may Client have these permissions of Resource
// for User?
type Request struct {
	TenantID string
	// Client is the client's service principal, ClientApp its registration
	// (its requiredResourceAccess says what a consent prompt asks for).
	Client    *directory.ServicePrincipal
	ClientApp *directory.Application
	UserID    string
	// Resource is the resolved resource's service principal.
	Resource *directory.ServicePrincipal
	// Permissions are the permission values named for Resource (without
	// the resource prefix); empty, or [".default"], asks for every granted
	// permission.
	Permissions []string
	// OIDC are the OpenID scopes asked for.
	OIDC []string
}

// Decision is what may be issued: Scopes are the resource's delegated
// permissions for `scp` (always a subset of the grants), OIDC the OpenID
// scopes granted.
type Decision struct {
	Scopes []string
	OIDC   []string
}

// Permission is one permission a consent prompt lists.
type Permission struct {
	Value string
	// Admin marks a permission only an administrator can consent to
	// (permissionScope type Admin).
	Admin       bool
	DisplayName string
	Description string
	// OIDC marks openid, profile, email, offline_access.
	OIDC bool
}

// RequiredError is consent required: the permissions a prompt must list
// (those already granted excluded) and whether only an administrator can
// give them.
type RequiredError struct {
	Resource      *directory.ServicePrincipal
	Missing       []Permission
	AdminRequired bool
}

func (e *RequiredError) Error() string {
	names := make([]string, len(e.Missing))
	for i, p := range e.Missing {
		names[i] = p.Value
	}
	who := "the user or an administrator"
	if e.AdminRequired {
		who = "an administrator"
	}
	return fmt.Sprintf("%s has not consented to %s", who, strings.Join(names, " "))
}

// UnknownScopeError names a permission the resource does not expose.
type UnknownScopeError struct {
	Resource *directory.ServicePrincipal
	Scope    string
}

func (e *UnknownScopeError) Error() string {
	return fmt.Sprintf("scope %q does not exist on the resource %s", e.Scope, e.Resource.AppID)
}

// IsOIDC reports whether s is one of the OpenID scopes.
func IsOIDC(s string) bool {
	return s == "openid" || s == "profile" || s == "email" || s == "offline_access"
}

// Decide answers a request from the grants stored now.
func Decide(ctx context.Context, rd Reader, req Request) (Decision, error) {
	if req.Client == nil || req.Resource == nil {
		return Decision{}, fmt.Errorf("consent: client and resource are required")
	}
	clientGrants, err := rd.ListPermissionGrants(ctx, req.TenantID, store.PermissionGrantFilter{ClientID: req.Client.ID})
	if err != nil {
		return Decision{}, err
	}
	consented := false // any consent to the client, for this user or all
	granted := []string{}
	for _, g := range clientGrants {
		if !appliesTo(g, req.UserID) {
			continue
		}
		consented = true
		if g.ResourceID != req.Resource.ID {
			continue
		}
		for _, s := range strings.Fields(g.Scope) {
			if !slices.Contains(granted, s) {
				granted = append(granted, s)
			}
		}
	}
	var missing []Permission
	d := Decision{}
	wantAll := len(req.Permissions) == 0 || slices.Equal(req.Permissions, []string{".default"})
	if wantAll {
		for _, ps := range req.Resource.OAuth2PermissionScopes {
			if ps.IsEnabled && slices.Contains(granted, ps.Value) && !IsOIDC(ps.Value) {
				d.Scopes = append(d.Scopes, ps.Value)
			}
		}
		if len(d.Scopes) == 0 && !(consented && len(configured(req)) == 0) {
			// Nothing granted on this resource: a prompt asks for what the
			// client's registration configures (Entra's .default prompt).
			for _, v := range configuredOrSignIn(req) {
				if !slices.Contains(granted, v) {
					missing = append(missing, permission(req.Resource, v))
				}
			}
		}
	} else {
		for _, v := range req.Permissions {
			ps, ok := findScope(req.Resource, v)
			if !ok {
				return Decision{}, &UnknownScopeError{Resource: req.Resource, Scope: v}
			}
			if slices.Contains(granted, ps.Value) {
				if !slices.Contains(d.Scopes, ps.Value) {
					d.Scopes = append(d.Scopes, ps.Value)
				}
				continue
			}
			missing = append(missing, permission(req.Resource, ps.Value))
		}
	}
	for _, o := range req.OIDC {
		if consented || slices.Contains(granted, o) {
			d.OIDC = append(d.OIDC, o)
			continue
		}
		missing = append(missing, Permission{Value: o, OIDC: true, DisplayName: oidcText[o]})
	}
	if len(missing) > 0 {
		e := &RequiredError{Resource: req.Resource, Missing: missing}
		for _, p := range missing {
			e.AdminRequired = e.AdminRequired || p.Admin
		}
		return Decision{}, e
	}
	return d, nil
}

func appliesTo(g *directory.PermissionGrant, userID string) bool {
	switch g.ConsentType {
	case directory.ConsentAllPrincipals:
		return true
	case directory.ConsentPrincipal:
		return userID != "" && strings.EqualFold(g.PrincipalID, userID)
	}
	return false
}

// configured lists the delegated permissions the client's registration
// declares for the resource, as the resource spells them.
func configured(req Request) []string {
	var out []string
	if req.ClientApp == nil {
		return nil
	}
	for _, rra := range req.ClientApp.RequiredResourceAccess {
		if !strings.EqualFold(rra.ResourceAppID, req.Resource.AppID) {
			continue
		}
		for _, ra := range rra.ResourceAccess {
			if ra.Type != "Scope" {
				continue
			}
			for _, ps := range req.Resource.OAuth2PermissionScopes {
				if strings.EqualFold(ps.ID, ra.ID) && ps.IsEnabled && !slices.Contains(out, ps.Value) {
					out = append(out, ps.Value)
				}
			}
		}
	}
	return out
}

// configuredOrSignIn is configured, or for Microsoft Graph with nothing
// configured, User.Read: Entra's "Sign you in and read your profile".
func configuredOrSignIn(req Request) []string {
	c := configured(req)
	if len(c) == 0 && req.Resource.AppID == directory.GraphAppID {
		return []string{"User.Read"}
	}
	return c
}

func findScope(res *directory.ServicePrincipal, value string) (directory.PermissionScope, bool) {
	for _, ps := range res.OAuth2PermissionScopes {
		if strings.EqualFold(ps.Value, value) && ps.IsEnabled && !IsOIDC(ps.Value) {
			return ps, true
		}
	}
	return directory.PermissionScope{}, false
}

func permission(res *directory.ServicePrincipal, value string) Permission {
	ps, _ := findScope(res, value)
	p := Permission{Value: value, Admin: ps.Type == "Admin", DisplayName: ps.AdminConsentDisplayName, Description: ps.AdminConsentDescription}
	if !p.Admin && ps.UserConsentDisplayName != "" {
		p.DisplayName, p.Description = ps.UserConsentDisplayName, ps.UserConsentDescription
	}
	if p.DisplayName == "" {
		p.DisplayName = graphText[value]
	}
	return p
}

// The consent page's words for the OpenID scopes and the Graph
// permissions Gatehouse models (Entra's texts are longer).
var oidcText = map[string]string{
	"openid":         "Sign you in",
	"profile":        "View your basic profile",
	"email":          "View your email address",
	"offline_access": "Maintain access to data you have given it access to",
}

var graphText = map[string]string{
	"User.Read":                                 "Sign you in and read your profile",
	"User.Read.All":                             "Read all users' full profiles",
	"User.ReadWrite.All":                        "Read and write all users' full profiles",
	"Application.Read.All":                      "Read applications",
	"Application.ReadWrite.All":                 "Read and write all applications",
	"Group.Read.All":                            "Read all groups",
	"Directory.Read.All":                        "Read directory data",
	"Directory.AccessAsUser.All":                "Access the directory as you",
	"Policy.Read.All":                           "Read your organization's policies",
	"Policy.ReadWrite.ApplicationConfiguration": "Read and write your organization's application configuration policies",
	"DelegatedPermissionGrant.ReadWrite.All":    "Manage all delegated permission grants",
	"RoleManagement.Read.Directory":             "Read your company's directory role settings",
	"RoleManagement.ReadWrite.Directory":        "Read and write directory role settings",
}

// AssignmentReader reads app role assignments.
type AssignmentReader interface {
	ListAppRoleAssignmentsByResource(ctx context.Context, tenantID, resourceID string) ([]*directory.AppRoleAssignment, error)
}

// Assigned reports whether a user may sign in to an application whose
// service principal requires assignment (appRoleAssignmentRequired): the
// user, or one of groupIDs (their groups), holds an app role assignment
// to it. Applications that do not require assignment admit everyone.
func Assigned(ctx context.Context, rd AssignmentReader, sp *directory.ServicePrincipal, userID string, groupIDs []string) (bool, error) {
	if !sp.AppRoleAssignmentRequired {
		return true, nil
	}
	as, err := rd.ListAppRoleAssignmentsByResource(ctx, sp.TenantID, sp.ID)
	if err != nil {
		return false, err
	}
	for _, a := range as {
		if a.PrincipalID == userID || slices.Contains(groupIDs, a.PrincipalID) {
			return true, nil
		}
	}
	return false, nil
}
