package token

import (
	"strings"
)

// restrictedClaims cannot be produced or overridden by claims mapping
// (Entra's JWT restricted claim set, reference-claims-mapping-policy-type).
var restrictedClaims = map[string]bool{
	"aud": true, "iss": true, "exp": true, "iat": true, "nbf": true, "sub": true, "oid": true, "tid": true,
	"upn": true, "unique_name": true, "preferred_username": true, "email": true, "groups": true, "roles": true,
	"scp": true, "appid": true, "azp": true, "nonce": true, "nickname": true, "ver": true, "amr": true, "acr": true,
	"sid": true, "idp": true, "wids": true, "uti": true, "rh": true, "aio": true, "appidacr": true, "azpacr": true,
	"at_hash": true, "c_hash": true, "auth_time": true, "_claim_names": true, "_claim_sources": true,
}

// IsRestrictedClaim reports whether claims mapping may not emit name.
func IsRestrictedClaim(name string) bool {
	return restrictedClaims[strings.ToLower(name)] || strings.HasPrefix(strings.ToLower(name), "xms_")
}

// applyClaimsMapping adds the mapped claims of the audience's claims mapping
// policy. Entra refuses to issue the token (AADSTS50146) unless the app
// accepts mapped claims.
func applyClaimsMapping(r *Request, c map[string]any) error {
	m := r.ClaimsMapping
	if m == nil || len(m.Claims) == 0 || r.User == nil {
		return nil
	}
	if r.AudienceApp == nil || r.AudienceApp.API.AcceptMappedClaims == nil || !*r.AudienceApp.API.AcceptMappedClaims {
		return ErrMappedClaimsNotAccepted
	}
	for _, mc := range m.Claims {
		if mc.JWTClaimType == "" || IsRestrictedClaim(mc.JWTClaimType) {
			continue
		}
		if v, ok := userAttribute(r, mc); ok {
			c[mc.JWTClaimType] = v
		}
	}
	return nil
}

// userAttribute reads a mapped claim's value; no value means no claim.
func userAttribute(r *Request, mc MappedClaim) (any, bool) {
	u := r.User
	if !strings.EqualFold(mc.Source, "user") {
		return nil, false
	}
	if mc.ExtensionID != "" {
		// Entra reads extension values case-sensitively by full name.
		v, ok := u.Extensions[mc.ExtensionID]
		return v, ok && v != nil
	}
	var v string
	switch strings.ToLower(mc.ID) {
	case "userprincipalname":
		v = u.UserPrincipalName
	case "mail":
		v = u.Mail
	case "displayname":
		v = u.DisplayName
	case "givenname":
		v = u.GivenName
	case "surname":
		v = u.Surname
	case "objectid":
		v = u.ID
	}
	return v, v != ""
}
