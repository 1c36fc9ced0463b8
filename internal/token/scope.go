package token

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// Scope is a parsed v2 `scope` parameter.
type Scope struct {
	// OIDC holds openid, profile, email and offline_access.
	OIDC []string
	// Resource is the resource identifier the permissions are for, as the
	// client spelled it (an App ID URI or appId); empty when only OIDC
	// scopes were asked for.
	Resource string
	// Permissions are the permission names without the resource prefix;
	// ".default" asks for every consented permission.
	Permissions []string
}

var oidcScopes = map[string]bool{"openid": true, "profile": true, "email": true, "offline_access": true}

// Scope parse errors, mapped to AADSTS codes by the caller.
var (
	ErrMultipleResources = errors.New("scope names more than one resource")
	ErrDefaultMixed      = errors.New(".default cannot be combined with other permissions of the same resource")
)

// ParseScope splits a v2 scope string. Entra: a bare permission name
// ("User.Read") means Microsoft Graph; one request may name permissions of
// only one resource.
func ParseScope(raw string) (Scope, error) {
	var s Scope
	seen := map[string]bool{}
	for _, item := range strings.Fields(raw) {
		if seen[item] {
			continue
		}
		seen[item] = true
		if oidcScopes[item] {
			s.OIDC = append(s.OIDC, item)
			continue
		}
		resource, perm := directory.GraphIdentifier, item
		if strings.HasPrefix(item, "/") {
			return Scope{}, fmt.Errorf("scope %q has no resource before the permission", item)
		}
		if i := strings.LastIndex(item, "/"); i > 0 {
			resource, perm = item[:i], item[i+1:]
			if perm == "" {
				return Scope{}, fmt.Errorf("scope %q has no permission after the resource", item)
			}
		}
		if s.Resource != "" && !sameResource(s.Resource, resource) {
			return Scope{}, fmt.Errorf("%w: %s and %s", ErrMultipleResources, s.Resource, resource)
		}
		s.Resource = resource
		s.Permissions = append(s.Permissions, perm)
	}
	if len(s.Permissions) > 1 {
		for _, p := range s.Permissions {
			if p == ".default" {
				return Scope{}, ErrDefaultMixed
			}
		}
	}
	return s, nil
}

func sameResource(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// Has reports whether the OIDC scope s was asked for.
func (s Scope) Has(name string) bool {
	for _, v := range s.OIDC {
		if v == name {
			return true
		}
	}
	return false
}
