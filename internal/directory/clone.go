package directory

import (
	"maps"
	"slices"
)

// Clone methods return deep copies: the copy shares no slice, map, pointer
// or byte with the original, so a store (or a cache in front of one) can
// hand out objects that callers are free to change. Nil stays nil and an
// empty slice stays empty, because the two encode differently in JSON
// (null and []). A nil receiver returns nil.
//
// A field added to these types must be copied here when it holds a slice,
// a map or a pointer; TestCloneSharesNothing fails until it is.

// Clone returns a deep copy of the tenant.
func (t *Tenant) Clone() *Tenant {
	if t == nil {
		return nil
	}
	c := *t
	c.PairwiseSalt = slices.Clone(t.PairwiseSalt)
	return &c
}

// Clone returns a deep copy of the application.
func (a *Application) Clone() *Application {
	if a == nil {
		return nil
	}
	c := *a
	c.IdentifierURIs = slices.Clone(a.IdentifierURIs)
	c.Web.RedirectURIs = slices.Clone(a.Web.RedirectURIs)
	c.PublicClient.RedirectURIs = slices.Clone(a.PublicClient.RedirectURIs)
	c.API.AcceptMappedClaims = clonePtr(a.API.AcceptMappedClaims)
	c.API.RequestedAccessTokenVersion = clonePtr(a.API.RequestedAccessTokenVersion)
	c.API.OAuth2PermissionScopes = slices.Clone(a.API.OAuth2PermissionScopes)
	c.OptionalClaims = OptionalClaims{
		IDToken:     cloneOptionalClaims(a.OptionalClaims.IDToken),
		AccessToken: cloneOptionalClaims(a.OptionalClaims.AccessToken),
		Saml2Token:  cloneOptionalClaims(a.OptionalClaims.Saml2Token),
	}
	c.RequiredResourceAccess = cloneEach(a.RequiredResourceAccess, func(r RequiredResourceAccess) RequiredResourceAccess {
		r.ResourceAccess = slices.Clone(r.ResourceAccess)
		return r
	})
	c.PasswordCredentials = cloneEach(a.PasswordCredentials, func(p PasswordCredential) PasswordCredential {
		p.SecretHash = slices.Clone(p.SecretHash)
		return p
	})
	return &c
}

func cloneOptionalClaims(claims []OptionalClaim) []OptionalClaim {
	return cloneEach(claims, func(oc OptionalClaim) OptionalClaim {
		oc.Source = clonePtr(oc.Source)
		oc.AdditionalProperties = slices.Clone(oc.AdditionalProperties)
		return oc
	})
}

// Clone returns a deep copy of the service principal.
func (sp *ServicePrincipal) Clone() *ServicePrincipal {
	if sp == nil {
		return nil
	}
	c := *sp
	c.ServicePrincipalNames = slices.Clone(sp.ServicePrincipalNames)
	c.AppRoles = cloneEach(sp.AppRoles, func(r AppRole) AppRole {
		r.AllowedMemberTypes = slices.Clone(r.AllowedMemberTypes)
		return r
	})
	c.OAuth2PermissionScopes = slices.Clone(sp.OAuth2PermissionScopes)
	return &c
}

// Clone returns a deep copy of the user, extension values included.
func (u *User) Clone() *User {
	if u == nil {
		return nil
	}
	c := *u
	c.Extensions = cloneJSONObject(u.Extensions)
	c.DirectoryRoles = slices.Clone(u.DirectoryRoles)
	return &c
}

// Clone returns a copy of the group.
func (g *Group) Clone() *Group {
	if g == nil {
		return nil
	}
	c := *g
	return &c
}

// Clone returns a copy of the assignment.
func (a *AppRoleAssignment) Clone() *AppRoleAssignment {
	if a == nil {
		return nil
	}
	c := *a
	return &c
}

// Clone returns a deep copy of the extension definition.
func (p *ExtensionProperty) Clone() *ExtensionProperty {
	if p == nil {
		return nil
	}
	c := *p
	c.TargetObjects = slices.Clone(p.TargetObjects)
	return &c
}

// Clone returns a deep copy of the policy.
func (p *Policy) Clone() *Policy {
	if p == nil {
		return nil
	}
	c := *p
	c.Definition = slices.Clone(p.Definition)
	return &c
}

// Clone returns a copy of the policy assignment.
func (a *PolicyAssignment) Clone() *PolicyAssignment {
	if a == nil {
		return nil
	}
	c := *a
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneEach copies a slice, copying each element with clone.
func cloneEach[T any](s []T, clone func(T) T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = clone(v)
	}
	return out
}

// cloneJSONObject copies a map of values as encoding/json decodes them:
// scalars (immutable), []any (a multi-valued extension) and map[string]any;
// []string too, for values set in Go rather than decoded.
func cloneJSONObject(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = cloneJSONValue(v)
	}
	return out
}

func cloneJSONValue(v any) any {
	switch v := v.(type) {
	case []any:
		return cloneEach(v, cloneJSONValue)
	case map[string]any:
		return cloneJSONObject(v)
	case []string:
		return slices.Clone(v)
	}
	return v
}

// Clone returns a copy of the grant.
func (g *PermissionGrant) Clone() *PermissionGrant {
	if g == nil {
		return nil
	}
	c := *g
	return &c
}

// Clone returns a copy of the role assignment.
func (a *RoleAssignment) Clone() *RoleAssignment {
	if a == nil {
		return nil
	}
	c := *a
	return &c
}
