package token

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token is an assembled, unsigned token.
type Token struct {
	Kind      Kind
	Version   int
	Claims    map[string]any
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// ErrMappedClaimsNotAccepted is Entra's AADSTS50146: a claims mapping policy
// applies but the application neither accepts mapped claims nor has a
// custom signing key.
var ErrMappedClaimsNotAccepted = errors.New("application has a claims mapping policy but api.acceptMappedClaims is not true")

// Build runs the claim pipeline: base claims, optional claims, groups,
// claims mapping, lifetime.
func Build(r *Request) (*Token, error) {
	if r.Tenant == nil || r.Client == nil {
		return nil, errors.New("token request without tenant or client")
	}
	if r.Version != 1 && r.Version != 2 {
		return nil, fmt.Errorf("token version %d is not 1 or 2", r.Version)
	}
	if r.Kind == IDToken && r.User == nil {
		return nil, errors.New("an ID token needs a user")
	}
	now := r.Now.UTC().Truncate(time.Second)
	lifetime := DefaultLifetime
	if r.Lifetime > 0 {
		lifetime = r.Lifetime
	}
	t := &Token{Kind: r.Kind, Version: r.Version, IssuedAt: now, ExpiresAt: now.Add(lifetime), Claims: map[string]any{}}
	c := t.Claims
	c["aud"] = r.Audience
	c["iss"] = Issuer(r.BaseURL, r.TenantSegment, r.Version)
	c["iat"] = now.Unix()
	c["nbf"] = now.Unix()
	c["exp"] = t.ExpiresAt.Unix()
	c["tid"] = r.Tenant.ID
	c["uti"] = randomID(16)
	c["rh"] = "0." + randomID(24)
	c["ver"] = fmt.Sprintf("%d.0", r.Version)

	switch {
	case r.Kind == IDToken:
		idTokenClaims(r, c)
	case r.User == nil:
		appOnlyClaims(r, c)
	default:
		userAccessClaims(r, c)
	}
	if err := addOptionalClaims(r, c); err != nil {
		return nil, err
	}
	addGroups(r, c)
	if err := applyClaimsMapping(r, c); err != nil {
		return nil, err
	}
	return t, nil
}

func idTokenClaims(r *Request, c map[string]any) {
	u := r.User
	c["sub"] = PairwiseSubject(r.Tenant.PairwiseSalt, r.Client.AppID, u.ID)
	if r.Nonce != "" {
		c["nonce"] = r.Nonce
	}
	if r.Version == 1 {
		c["oid"] = u.ID
		c["name"] = u.DisplayName
		c["upn"] = u.UserPrincipalName
		c["unique_name"] = u.UserPrincipalName
		c["amr"] = authMethods(r)
		if u.GivenName != "" {
			c["given_name"] = u.GivenName
		}
		if u.Surname != "" {
			c["family_name"] = u.Surname
		}
		if r.IPAddr != "" {
			c["ipaddr"] = r.IPAddr
		}
		return
	}
	c["aio"] = randomID(32)
	if r.SessionID != "" {
		c["sid"] = r.SessionID
	}
	// Entra v2: oid, name and preferred_username need the profile scope,
	// email the email scope.
	if r.hasOIDCScope("profile") {
		c["oid"] = u.ID
		c["name"] = u.DisplayName
		c["preferred_username"] = u.UserPrincipalName
	}
	if r.hasOIDCScope("email") && u.Mail != "" {
		c["email"] = u.Mail
	}
}

func userAccessClaims(r *Request, c map[string]any) {
	u := r.User
	c["sub"] = PairwiseSubject(r.Tenant.PairwiseSalt, r.Audience, u.ID)
	c["oid"] = u.ID
	c["name"] = u.DisplayName
	c["aio"] = randomID(32)
	c["idtyp"] = "user"
	if len(r.Scopes) > 0 {
		c["scp"] = strings.Join(r.Scopes, " ")
	}
	if len(r.Roles) > 0 {
		c["roles"] = r.Roles
	}
	if len(r.DirectoryRoles) > 0 {
		c["wids"] = r.DirectoryRoles
	}
	if r.SessionID != "" {
		c["sid"] = r.SessionID
	}
	if r.Version == 1 {
		c["acr"] = "1"
		c["amr"] = authMethods(r)
		c["appid"] = r.Client.AppID
		c["appidacr"] = r.ClientAuth
		c["app_displayname"] = r.Client.DisplayName
		c["upn"] = u.UserPrincipalName
		c["unique_name"] = u.UserPrincipalName
		if u.GivenName != "" {
			c["given_name"] = u.GivenName
		}
		if u.Surname != "" {
			c["family_name"] = u.Surname
		}
		if r.IPAddr != "" {
			c["ipaddr"] = r.IPAddr
		}
		return
	}
	c["azp"] = r.Client.AppID
	c["azpacr"] = r.ClientAuth
	c["preferred_username"] = u.UserPrincipalName
}

// appOnlyClaims: Entra's client-credentials token. oid and sub are the
// client's service principal; roles are its admin-consented permissions.
func appOnlyClaims(r *Request, c map[string]any) {
	spID := ""
	if r.ClientSP != nil {
		spID = r.ClientSP.ID
	}
	c["oid"] = spID
	c["sub"] = spID
	c["idtyp"] = "app"
	c["aio"] = randomID(32)
	if len(r.Roles) > 0 {
		c["roles"] = r.Roles
	}
	if r.Version == 1 {
		c["appid"] = r.Client.AppID
		c["appidacr"] = r.ClientAuth
		c["app_displayname"] = r.Client.DisplayName
		c["idp"] = Issuer(r.BaseURL, r.TenantSegment, 1)
		return
	}
	c["azp"] = r.Client.AppID
	c["azpacr"] = r.ClientAuth
}

func authMethods(r *Request) []string {
	if len(r.AuthMethods) > 0 {
		return r.AuthMethods
	}
	return []string{"pwd"}
}

// randomID returns an opaque base64url value for uti, rh and aio.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
