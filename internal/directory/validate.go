package directory

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// ValidationError lists every problem found in an object, so a caller can
// fix them all at once. Field names are Graph's property paths.
type ValidationError struct {
	Object   string
	Problems []FieldProblem
}

// FieldProblem is one invalid property.
type FieldProblem struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return fmt.Sprintf("invalid %s: %s", e.Object, strings.Join(parts, "; "))
}

type problems struct {
	object string
	list   []FieldProblem
}

func (p *problems) add(field, format string, args ...any) {
	p.list = append(p.list, FieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Object: p.object, Problems: p.list}
}

// IsGUID reports whether s is a GUID in the 8-4-4-4-12 form Entra uses.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// NewID returns a new random object id.
func NewID() string { return uuid.NewString() }

var domainRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)

// ValidateTenant checks a tenant before it is stored.
func ValidateTenant(t *Tenant) error {
	p := problems{object: "tenant"}
	if !IsGUID(t.ID) {
		p.add("id", "must be a GUID")
	}
	if strings.TrimSpace(t.DisplayName) == "" {
		p.add("displayName", "is required")
	}
	if !domainRE.MatchString(t.InitialDomain) {
		p.add("initialDomain", "%q is not a domain name", t.InitialDomain)
	}
	if len(t.PairwiseSalt) < 16 {
		p.add("pairwiseSalt", "must be at least 16 bytes")
	}
	return p.err()
}

// Entra limits.
const (
	MaxRedirectURIs    = 256
	MaxRedirectURILen  = 256
	MaxDisplayNameLen  = 256
	MaxIdentifierURIs  = 50
	MaxPasswordCredLen = 10
	// Entra's configured-permissions limits (requiredResourceAccess): 50
	// resource apps and 400 permissions in all ("This configuration
	// exceeds the global application object limit").
	MaxRequiredResources   = 50
	MaxRequiredPermissions = 400
	// MaxOptionalClaims bounds each token type's optionalClaims list and
	// MaxExposedScopes api.oauth2PermissionScopes. Entra documents no
	// number for these; the bounds keep one registration from costing
	// every token request (security review S4).
	MaxOptionalClaims = 50
	MaxExposedScopes  = 100
	// MaxApplicationBytes bounds an application's stored document, the
	// analogue of Entra's "global application object limit".
	MaxApplicationBytes = 64 << 10
)

// ValidateApplication checks an application before it is stored.
func ValidateApplication(a *Application) error {
	p := problems{object: "application"}
	if !IsGUID(a.ID) {
		p.add("id", "must be a GUID")
	}
	if !IsGUID(a.AppID) {
		p.add("appId", "must be a GUID")
	}
	if n := strings.TrimSpace(a.DisplayName); n == "" {
		p.add("displayName", "is required")
	} else if len(a.DisplayName) > MaxDisplayNameLen {
		p.add("displayName", "is longer than %d characters", MaxDisplayNameLen)
	}
	switch a.SignInAudience {
	case AudienceMyOrg, AudienceMultipleOrgs:
	default:
		p.add("signInAudience", "%q is not one of %s, %s", a.SignInAudience, AudienceMyOrg, AudienceMultipleOrgs)
	}
	switch a.GroupMembershipClaims {
	case "", GroupClaimsNone, GroupClaimsSecurityGroup, GroupClaimsApplicationGroup, GroupClaimsDirectoryRole, GroupClaimsAll:
	default:
		p.add("groupMembershipClaims", "%q is not one of None, SecurityGroup, ApplicationGroup, DirectoryRole, All", a.GroupMembershipClaims)
	}
	if v := a.API.RequestedAccessTokenVersion; v != nil && *v != 1 && *v != 2 {
		p.add("api.requestedAccessTokenVersion", "must be 1, 2 or null")
	}
	validateRedirects(&p, "web.redirectUris", a.Web.RedirectURIs, false)
	validateRedirects(&p, "publicClient.redirectUris", a.PublicClient.RedirectURIs, true)
	if len(a.IdentifierURIs) > MaxIdentifierURIs {
		p.add("identifierUris", "at most %d entries", MaxIdentifierURIs)
	}
	for i, u := range a.IdentifierURIs {
		if err := ValidateIdentifierURI(u, a.AppID, a.TenantID); err != nil {
			p.add(fmt.Sprintf("identifierUris[%d]", i), "%v", err)
		}
	}
	if len(a.RequiredResourceAccess) > MaxRequiredResources {
		p.add("requiredResourceAccess", "at most %d resource applications", MaxRequiredResources)
	}
	perms := 0
	for _, r := range a.RequiredResourceAccess {
		perms += len(r.ResourceAccess)
	}
	if perms > MaxRequiredPermissions {
		p.add("requiredResourceAccess", "at most %d permissions in all, not %d: this configuration exceeds the global application object limit", MaxRequiredPermissions, perms)
		return p.err() // do not list problems of thousands of entries
	}
	for i, r := range a.RequiredResourceAccess {
		if !IsGUID(r.ResourceAppID) {
			p.add(fmt.Sprintf("requiredResourceAccess[%d].resourceAppId", i), "must be a GUID")
		}
		for j, ra := range r.ResourceAccess {
			if !IsGUID(ra.ID) {
				p.add(fmt.Sprintf("requiredResourceAccess[%d].resourceAccess[%d].id", i, j), "must be a GUID")
			}
			if ra.Type != "Role" && ra.Type != "Scope" {
				p.add(fmt.Sprintf("requiredResourceAccess[%d].resourceAccess[%d].type", i, j), "must be Role or Scope")
			}
		}
	}
	for name, list := range map[string][]OptionalClaim{"idToken": a.OptionalClaims.IDToken, "accessToken": a.OptionalClaims.AccessToken, "saml2Token": a.OptionalClaims.Saml2Token} {
		if len(list) > MaxOptionalClaims {
			p.add("optionalClaims."+name, "at most %d optional claims", MaxOptionalClaims)
			return p.err()
		}
	}
	validateExposedScopes(&p, a.API.OAuth2PermissionScopes)
	for i, c := range a.OptionalClaims.IDToken {
		if strings.TrimSpace(c.Name) == "" {
			p.add(fmt.Sprintf("optionalClaims.idToken[%d].name", i), "is required")
		}
	}
	for i, c := range a.OptionalClaims.AccessToken {
		if strings.TrimSpace(c.Name) == "" {
			p.add(fmt.Sprintf("optionalClaims.accessToken[%d].name", i), "is required")
		}
	}
	if len(a.PasswordCredentials) > MaxPasswordCredLen {
		p.add("passwordCredentials", "at most %d client secrets", MaxPasswordCredLen)
	}
	if err := p.err(); err != nil {
		return err
	}
	if b, err := json.Marshal(a); err == nil && len(b) > MaxApplicationBytes {
		p.add("application", "is %d bytes; at most %d: this configuration exceeds the global application object limit", len(b), MaxApplicationBytes)
	}
	return p.err()
}

// validateExposedScopes checks api.oauth2PermissionScopes: GUID ids and
// values unique in the list, type User or Admin, values without spaces
// (scope strings are space-separated).
func validateExposedScopes(p *problems, scopes []PermissionScope) {
	if len(scopes) > MaxExposedScopes {
		p.add("api.oauth2PermissionScopes", "at most %d scopes", MaxExposedScopes)
		return
	}
	ids, values := map[string]bool{}, map[string]bool{}
	for i, sc := range scopes {
		f := fmt.Sprintf("api.oauth2PermissionScopes[%d]", i)
		if !IsGUID(sc.ID) {
			p.add(f+".id", "must be a GUID")
		}
		if ids[strings.ToLower(sc.ID)] {
			p.add(f+".id", "duplicate id %s", sc.ID)
		}
		ids[strings.ToLower(sc.ID)] = true
		switch {
		case sc.Value == "" || len(sc.Value) > 120:
			p.add(f+".value", "must be 1 to 120 characters")
		case strings.ContainsAny(sc.Value, " \t\r\n\"") || strings.HasPrefix(sc.Value, "."):
			p.add(f+".value", "%q must not contain spaces or quotes or start with a dot", sc.Value)
		case values[strings.ToLower(sc.Value)]:
			p.add(f+".value", "duplicate value %q", sc.Value)
		}
		values[strings.ToLower(sc.Value)] = true
		if sc.Type != "User" && sc.Type != "Admin" {
			p.add(f+".type", "must be User or Admin")
		}
	}
}

// validateRedirects applies Entra's redirect URI rules: absolute, no
// fragment, https except for loopback hosts, at most 256 characters.
func validateRedirects(p *problems, field string, uris []string, public bool) {
	if len(uris) > MaxRedirectURIs {
		p.add(field, "at most %d redirect URIs", MaxRedirectURIs)
	}
	seen := map[string]bool{}
	for i, raw := range uris {
		f := fmt.Sprintf("%s[%d]", field, i)
		if seen[raw] {
			p.add(f, "duplicate redirect URI %q", raw)
		}
		seen[raw] = true
		if err := ValidateRedirectURI(raw, public); err != nil {
			p.add(f, "%v", err)
		}
	}
}

// ValidateRedirectURI checks one redirect URI.
func ValidateRedirectURI(raw string, public bool) error {
	if len(raw) > MaxRedirectURILen {
		return fmt.Errorf("longer than %d characters", MaxRedirectURILen)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" && u.Scheme != "urn" && !public {
		return fmt.Errorf("%q is not an absolute URI", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("%q must not contain a fragment", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return fmt.Errorf("%q: http is allowed only for localhost", raw)
		}
	case "javascript", "data", "vbscript", "file", "blob", "about":
		// A browser runs or reads these locally instead of sending the
		// code anywhere: never a redirect target (security review).
		return fmt.Errorf("%q: the %s scheme is not allowed for redirect URIs", raw, u.Scheme)
	default:
		if !public {
			return fmt.Errorf("%q: web redirect URIs must use https (or http for localhost)", raw)
		}
	}
	return nil
}

// IsLoopbackHost reports whether host names this machine.
func IsLoopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || strings.HasPrefix(host, "127.")
}

// ValidateIdentifierURI checks an App ID URI: api://<appId> forms, or an
// https URI. Entra requires https hosts to be verified domains; Gatehouse
// accepts any host because domains are not verified here.
func ValidateIdentifierURI(raw, appID, tenantID string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("%q is not an absolute URI", raw)
	}
	// Entra: an api:// URI that names a GUID names this app (api://{appId})
	// or this tenant (api://{tenantId}/…), never another app, so no app
	// can be the audience that APIs accepting api://{clientId} expect of
	// someone else.
	if strings.EqualFold(u.Scheme, "api") && IsGUID(u.Host) && !strings.EqualFold(u.Host, appID) &&
		!(tenantID != "" && strings.EqualFold(u.Host, tenantID) && strings.Trim(u.Path, "/") != "") {
		return fmt.Errorf("%q names another application's id: an api:// URI with a GUID must use this application's appId (api://%s)", raw, appID)
	}
	if strings.HasSuffix(raw, "/") && u.Scheme == "api" && u.Path == "/" {
		return fmt.Errorf("%q must not end with a slash", raw)
	}
	switch u.Scheme {
	case "api", "https", "urn":
	default:
		return fmt.Errorf("%q: scheme must be api, https or urn", raw)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%q must not contain a fragment", raw)
	}
	return nil
}

// ValidateUser checks a user before it is stored. The UPN's domain must be
// one of the tenant's domains.
func ValidateUser(u *User, tenantDomains []string) error {
	p := problems{object: "user"}
	if !IsGUID(u.ID) {
		p.add("id", "must be a GUID")
	}
	local, domain, ok := strings.Cut(u.UserPrincipalName, "@")
	if !ok || !validUPNLocal(local) {
		p.add("userPrincipalName", "%q is not of the form alias@domain: the alias takes only A-Z, a-z, 0-9 and ' . - _ ! # ^ ~, and does not start or end with a period", u.UserPrincipalName)
	} else if !containsFold(tenantDomains, domain) {
		p.add("userPrincipalName", "domain %q is not a domain of this tenant (%s)", domain, strings.Join(tenantDomains, ", "))
	}
	if strings.TrimSpace(u.DisplayName) == "" {
		p.add("displayName", "is required")
	}
	if u.Mail != "" && !plainAddress(u.Mail) {
		p.add("mail", "%q is not a plain email address (alias@domain, without a display name, quotes or spaces)", u.Mail)
	}
	return p.err()
}

// validUPNLocal is Entra's rule for the alias of a userPrincipalName:
// ASCII letters, digits and ' . - _ ! # ^ ~ only, so no look-alike
// (Cyrillic, zero-width) alias passes for another user's.
func validUPNLocal(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("'.-_!#^~", r):
		default:
			return false
		}
	}
	return true
}

// plainAddress reports whether s is an address and nothing else: what
// mail parsing yields from it is s itself, in printable ASCII. A display
// name, quotes or surrounding spaces would give one address several
// spellings, and the uniqueness of mail would not hold (security review F6).
func plainAddress(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// ValidateGroup checks a group before it is stored.
func ValidateGroup(g *Group) error {
	p := problems{object: "group"}
	if !IsGUID(g.ID) {
		p.add("id", "must be a GUID")
	}
	if strings.TrimSpace(g.DisplayName) == "" {
		p.add("displayName", "is required")
	}
	if g.MailNickname == "" || strings.ContainsAny(g.MailNickname, " @()\\[]\";:<>,") {
		p.add("mailNickname", "%q is not a valid mail nickname", g.MailNickname)
	}
	return p.err()
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// ErrInvalidPassword is returned by ValidatePassword.
var ErrInvalidPassword = errors.New("password does not meet the complexity requirements")

// ValidatePassword applies Entra's default password rule: 8 to 256
// characters and three of lower case, upper case, digits and symbols.
func ValidatePassword(pw string) error {
	if len(pw) < 8 || len(pw) > 256 {
		return fmt.Errorf("%w: it must be 8 to 256 characters long", ErrInvalidPassword)
	}
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < 3 {
		return fmt.Errorf("%w: use three of lower case, upper case, digits and symbols", ErrInvalidPassword)
	}
	return nil
}

// AppIDNoDash is the appId as directory extension names spell it.
func AppIDNoDash(appID string) string { return strings.ReplaceAll(appID, "-", "") }
