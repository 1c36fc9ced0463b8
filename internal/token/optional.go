package token

import (
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// addOptionalClaims applies the audience app's optionalClaims for this token
// kind. Directory extensions requested with source "user" are emitted as
// extn.<name> in JWTs, as Entra does (the claims mapping route emits the
// bare name instead).
func addOptionalClaims(r *Request, c map[string]any) error {
	if r.AudienceApp == nil {
		return nil
	}
	list := r.AudienceApp.OptionalClaims.AccessToken
	if r.Kind == IDToken {
		list = r.AudienceApp.OptionalClaims.IDToken
	}
	for _, oc := range list {
		if r.User == nil && oc.Name != "idtyp" {
			continue // user claims need a user
		}
		addOptionalClaim(r, c, oc)
	}
	return nil
}

func addOptionalClaim(r *Request, c map[string]any, oc directory.OptionalClaim) {
	u := r.User
	if oc.Source != nil && strings.EqualFold(*oc.Source, "user") {
		if v, ok := u.Extensions[oc.Name]; ok {
			c["extn."+extensionShortName(oc.Name)] = v
		}
		return
	}
	switch oc.Name {
	case "email":
		if u.Mail != "" {
			c["email"] = u.Mail
		}
	case "upn":
		c["upn"] = u.UserPrincipalName
	case "given_name":
		if u.GivenName != "" {
			c["given_name"] = u.GivenName
		}
	case "family_name":
		if u.Surname != "" {
			c["family_name"] = u.Surname
		}
	case "preferred_username":
		c["preferred_username"] = u.UserPrincipalName
	case "auth_time":
		if !r.AuthTime.IsZero() {
			c["auth_time"] = r.AuthTime.Unix()
		}
	case "sid":
		if r.SessionID != "" {
			c["sid"] = r.SessionID
		}
	case "idtyp":
		if r.User == nil {
			c["idtyp"] = "app"
		} else {
			c["idtyp"] = "user"
		}
	case "login_hint":
		c["login_hint"] = u.UserPrincipalName
	case "verified_primary_email":
		if u.Mail != "" {
			c["verified_primary_email"] = []string{u.Mail}
		}
	case "ipaddr":
		if r.IPAddr != "" {
			c["ipaddr"] = r.IPAddr
		}
	}
}

// extensionShortName turns extension_{appIdNoDash}_{name} into {name}.
func extensionShortName(full string) string {
	rest, ok := strings.CutPrefix(full, "extension_")
	if !ok {
		return full
	}
	if _, name, ok := strings.Cut(rest, "_"); ok {
		return name
	}
	return full
}
