package portalstate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Source says where a setting's value came from; the account page shows it.
type Source string

// Sources of a setting.
const (
	SourceNone       Source = ""
	SourceDeployment Source = "deployment" // the portal's --default-namespace
	SourceClaim      Source = "claim"      // the ID token's namespace claim
	SourceUser       Source = "user"       // the user saved it on the account page
)

// MaxAllowedNamespaces bounds the allowed namespace list (claim or form).
const MaxAllowedNamespaces = 100

// Settings are a user's account settings, stored per (issuer, subject).
type Settings struct {
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`

	DefaultNamespace       string             `json:"defaultNamespace"`
	DefaultNamespaceSource Source             `json:"defaultNamespaceSource"`
	AllowedNamespaces      []AllowedNamespace `json:"allowedNamespaces"`

	// UserChanged is set when the user saves the settings: later sign-ins keep
	// the user's values whatever the claim says.
	UserChanged bool `json:"userChanged"`
	// LastClaim is the namespace claim of the last sign-in that carried one;
	// LastDeploymentDefault the deployment default in force at the last
	// sign-in. A sign-in that differs from them updates unchanged settings.
	LastClaim             []string `json:"lastClaim,omitempty"`
	LastDeploymentDefault string   `json:"lastDeploymentDefault,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// AllowedNamespace is one allowed namespace and where it came from.
type AllowedNamespace struct {
	Name   string `json:"name"`
	Source Source `json:"source"`
}

// AllowedNames returns the allowed namespaces' names in order.
func (s *Settings) AllowedNames() []string {
	out := make([]string, 0, len(s.AllowedNamespaces))
	for _, a := range s.AllowedNamespaces {
		out = append(out, a.Name)
	}
	return out
}

// SignIn is what a sign-in tells the settings.
type SignIn struct {
	// ClaimPresent is false when the ID token has no namespace claim: an
	// absent claim is no information, and changes nothing already set.
	ClaimPresent bool
	// Claim is the namespace claim's valid names in order (ClaimNamespaces).
	Claim []string
	// DeploymentDefault is the portal's deployment-level default namespace.
	DeploymentDefault string
}

// ApplySignIn updates the settings for a sign-in and reports whether the
// values changed. The KubeRocketCI rule: on the first sign-in the default
// namespace is the deployment default if one is configured, else the claim's
// first namespace, else left to the user; the allowed namespaces are the
// deployment default and the claim's namespaces. Later sign-ins keep the
// values when the user changed them; otherwise a changed claim (or deployment
// default) derives them again.
func (s *Settings) ApplySignIn(in SignIn, now time.Time) bool {
	first := s.CreatedAt.IsZero()
	changed := first || in.DeploymentDefault != s.LastDeploymentDefault ||
		(in.ClaimPresent && !slices.Equal(in.Claim, s.LastClaim))
	if in.ClaimPresent {
		s.LastClaim = slices.Clone(in.Claim)
	}
	s.LastDeploymentDefault = in.DeploymentDefault
	if first {
		s.CreatedAt = now
	}
	if s.UserChanged || !changed {
		return false
	}
	before := *s
	s.derive()
	s.UpdatedAt = now
	return before.DefaultNamespace != s.DefaultNamespace || before.DefaultNamespaceSource != s.DefaultNamespaceSource ||
		!slices.Equal(before.AllowedNamespaces, s.AllowedNamespaces)
}

// derive sets the values from the last claim and deployment default.
func (s *Settings) derive() {
	s.DefaultNamespace, s.DefaultNamespaceSource = "", SourceNone
	s.AllowedNamespaces = nil
	add := func(name string, src Source) {
		if name == "" || len(s.AllowedNamespaces) >= MaxAllowedNamespaces ||
			slices.ContainsFunc(s.AllowedNamespaces, func(a AllowedNamespace) bool { return a.Name == name }) {
			return
		}
		s.AllowedNamespaces = append(s.AllowedNamespaces, AllowedNamespace{Name: name, Source: src})
	}
	if d := s.LastDeploymentDefault; d != "" {
		s.DefaultNamespace, s.DefaultNamespaceSource = d, SourceDeployment
		add(d, SourceDeployment)
	}
	for _, ns := range s.LastClaim {
		if s.DefaultNamespace == "" {
			s.DefaultNamespace, s.DefaultNamespaceSource = ns, SourceClaim
		}
		add(ns, SourceClaim)
	}
}

// SetByUser applies the account form. The default namespace joins the allowed
// ones when it is not among them; every value becomes the user's, and later
// sign-ins keep them.
func (s *Settings) SetByUser(defaultNS string, allowed []string, now time.Time) error {
	defaultNS = strings.TrimSpace(defaultNS)
	var problems []string
	if defaultNS != "" && !ValidNamespace(defaultNS) {
		problems = append(problems, fmt.Sprintf("%q is not a valid namespace name", defaultNS))
	}
	for _, ns := range allowed {
		if !ValidNamespace(ns) {
			problems = append(problems, fmt.Sprintf("%q is not a valid namespace name", ns))
		}
	}
	if len(allowed) > MaxAllowedNamespaces {
		problems = append(problems, fmt.Sprintf("at most %d allowed namespaces", MaxAllowedNamespaces))
	}
	if len(problems) > 0 {
		return &SettingsError{Problems: problems}
	}
	s.DefaultNamespace, s.DefaultNamespaceSource = defaultNS, SourceUser
	if defaultNS == "" {
		s.DefaultNamespaceSource = SourceNone
	}
	s.AllowedNamespaces = nil
	names := allowed
	if defaultNS != "" && !slices.Contains(allowed, defaultNS) {
		names = append([]string{defaultNS}, allowed...)
	}
	for _, ns := range names {
		if !slices.ContainsFunc(s.AllowedNamespaces, func(a AllowedNamespace) bool { return a.Name == ns }) {
			s.AllowedNamespaces = append(s.AllowedNamespaces, AllowedNamespace{Name: ns, Source: SourceUser})
		}
	}
	s.UserChanged = true
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	s.UpdatedAt = now
	return nil
}

// ResetToSignIn drops the user's choice: the values follow the last sign-in's
// claim and the deployment default again.
func (s *Settings) ResetToSignIn(now time.Time) {
	s.UserChanged = false
	s.derive()
	s.UpdatedAt = now
}

// SettingsError lists why the account form was refused.
type SettingsError struct{ Problems []string }

func (e *SettingsError) Error() string { return strings.Join(e.Problems, "; ") }

// namespaceRE is a DNS-1123 label, what Kubernetes accepts as a namespace.
var namespaceRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ValidNamespace reports whether s is a valid Kubernetes namespace name.
func ValidNamespace(s string) bool { return len(s) <= 63 && namespaceRE.MatchString(s) }
