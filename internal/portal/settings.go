package portal

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
)

// Settings, the sources of their values and the rules of sign-in and the
// account form live in portalstate with the other records the store keeps;
// the portal uses them under these names.
type (
	// Settings are a user's account settings, stored per (issuer, subject).
	Settings = portalstate.Settings
	// AllowedNamespace is one allowed namespace and where it came from.
	AllowedNamespace = portalstate.AllowedNamespace
	// Source says where a setting's value came from.
	Source = portalstate.Source
	// SignIn is what a sign-in tells the settings.
	SignIn = portalstate.SignIn
	// SettingsError lists why the account form was refused.
	SettingsError = portalstate.SettingsError
)

// Sources of a setting.
const (
	SourceNone       = portalstate.SourceNone
	SourceDeployment = portalstate.SourceDeployment
	SourceClaim      = portalstate.SourceClaim
	SourceUser       = portalstate.SourceUser
)

// MaxAllowedNamespaces bounds the allowed namespace list (claim or form).
const MaxAllowedNamespaces = portalstate.MaxAllowedNamespaces

// ValidNamespace reports whether s is a valid Kubernetes namespace name.
func ValidNamespace(s string) bool { return portalstate.ValidNamespace(s) }

// ClaimNamespaces reads a namespace claim: a string ("team-a"), a
// comma-separated string ("team-a, team-b"), a JSON array in a string
// (`["team-a","team-b"]`, as a directory extension may hold it) or a JSON
// array. It returns the valid names in order without duplicates, and the
// values it dropped because they are not namespace names.
func ClaimNamespaces(v any) (names, invalid []string) {
	var raw []string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		raw = splitNamespaceList(x)
	case []string:
		raw = x
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				raw = append(raw, s)
			} else {
				invalid = append(invalid, fmt.Sprint(e))
			}
		}
	default:
		return nil, []string{fmt.Sprint(v)}
	}
	for _, r := range raw {
		r = strings.TrimSpace(r)
		switch {
		case r == "":
		case !ValidNamespace(r):
			invalid = append(invalid, r)
		case !slices.Contains(names, r):
			names = append(names, r)
		}
	}
	return names, invalid
}

// splitNamespaceList splits a JSON array string or a comma/newline
// separated list (the account form uses the same parser).
func splitNamespaceList(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var list []string
		if json.Unmarshal([]byte(s), &list) == nil {
			return list
		}
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
}

// ParseNamespaceList parses the account form's allowed namespaces field.
func ParseNamespaceList(s string) []string {
	var out []string
	for _, n := range splitNamespaceList(s) {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
