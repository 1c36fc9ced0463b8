package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Attributes & Claims edits the claims mapping policy of a service
// principal, as the Entra admin centre's single sign-on blade stores it:
// each claim is a ClaimsSchema entry with Source "user" and either an
// attribute ID or a directory extension's ExtensionID. Everything else in
// the definition (other entries, SAML-only entries, properties this editor
// does not know) is kept as it is.

// Claim sources as the admin centre names them.
const (
	sourceAttribute = "attribute"
	sourceExtension = "extension"
)

// userAttributes are the user attributes a claim can carry, as the admin
// centre lists them (user.<name>) and the claims mapping ID token assembly
// reads (token.userAttribute).
var userAttributes = []struct{ Label, ID string }{
	{"user.userprincipalname", "userprincipalname"},
	{"user.mail", "mail"},
	{"user.displayname", "displayname"},
	{"user.givenname", "givenname"},
	{"user.surname", "surname"},
	{"user.objectid", "objectid"},
}

func attributeLabel(id string) string {
	for _, a := range userAttributes {
		if strings.EqualFold(a.ID, id) {
			return a.Label
		}
	}
	return "user." + strings.ToLower(id)
}

// ClaimView is one claim of the Attributes & Claims list.
type ClaimView struct {
	Name string
	// Source is sourceAttribute or sourceExtension.
	Source string
	// Value is what the admin centre shows: user.mail, user.default_namespace.
	Value       string
	ExtensionID string
	// App owns the extension ("" when the extension is not defined).
	App string
}

// claimsDefinition is a claims mapping policy definition being edited.
type claimsDefinition struct {
	root   map[string]json.RawMessage // the document, ClaimsMappingPolicy among its properties
	policy map[string]json.RawMessage // ClaimsMappingPolicy's properties
	schema []map[string]any           // ClaimsSchema entries, as they are
}

// newClaimsDefinition is the definition of a service principal without a
// policy: the basic claim set plus the claims to come.
func newClaimsDefinition() *claimsDefinition {
	return &claimsDefinition{root: map[string]json.RawMessage{},
		policy: map[string]json.RawMessage{"Version": json.RawMessage("1"), "IncludeBasicClaimSet": json.RawMessage(`"true"`)},
		schema: []map[string]any{}}
}

// parseClaimsDefinition reads a stored definition (one JSON string).
func parseClaimsDefinition(definition []string) (*claimsDefinition, error) {
	if len(definition) != 1 {
		return nil, fmt.Errorf("the policy definition has %d documents, want 1", len(definition))
	}
	d := &claimsDefinition{}
	if err := json.Unmarshal([]byte(definition[0]), &d.root); err != nil {
		return nil, fmt.Errorf("the policy definition is not JSON: %w", err)
	}
	raw, ok := d.root["ClaimsMappingPolicy"]
	if !ok {
		return nil, errors.New(`the policy definition has no "ClaimsMappingPolicy"`)
	}
	if err := json.Unmarshal(raw, &d.policy); err != nil || d.policy == nil {
		return nil, errors.New(`"ClaimsMappingPolicy" is not an object`)
	}
	d.schema = []map[string]any{}
	if raw, ok := d.policy["ClaimsSchema"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &d.schema); err != nil {
			return nil, errors.New(`"ClaimsSchema" is not a list of objects`)
		}
	}
	return d, nil
}

func str(m map[string]any, key string) string {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// claims lists the JWT claims the definition emits from user data.
func (d *claimsDefinition) claims(extApps map[string]string) []ClaimView {
	out := []ClaimView{}
	for _, e := range d.schema {
		name := str(e, "JwtClaimType")
		if name == "" {
			continue
		}
		c := ClaimView{Name: name, Source: sourceAttribute}
		if ext := str(e, "ExtensionID"); ext != "" {
			c.Source, c.ExtensionID, c.App = sourceExtension, ext, extApps[strings.ToLower(ext)]
			c.Value = "user." + extensionShort(ext)
		} else {
			c.Value = attributeLabel(str(e, "ID"))
		}
		out = append(out, c)
	}
	return out
}

// extensionShort is the name the admin centre shows for
// extension_{appId}_{name}: {name}.
func extensionShort(full string) string {
	if rest, ok := strings.CutPrefix(full, "extension_"); ok {
		if _, name, ok := strings.Cut(rest, "_"); ok {
			return name
		}
	}
	return full
}

// ClaimSpec is the Add new claim form.
type ClaimSpec struct {
	Name   string
	Source string // sourceAttribute or sourceExtension
	// Attribute is a user attribute ID (userprincipalname, mail, ...);
	// Extension a directory extension's full name.
	Attribute string
	Extension string
}

// validate checks the form before the definition is changed; Graph checks
// the resulting policy again.
func (c ClaimSpec) validate() error {
	name := strings.TrimSpace(c.Name)
	switch {
	case name == "":
		return errors.New("enter the claim's name, e.g. default_namespace")
	case len(name) > 256 || strings.ContainsAny(name, " \t\r\n\""):
		return fmt.Errorf("the claim name %q must be at most 256 characters without spaces or quotes", name)
	case token.IsRestrictedClaim(name):
		return fmt.Errorf("%q is a restricted claim: Entra does not let a claims mapping policy emit it", name)
	}
	switch c.Source {
	case sourceAttribute:
		for _, a := range userAttributes {
			if a.ID == c.Attribute {
				return nil
			}
		}
		return errors.New("choose the user attribute the claim carries")
	case sourceExtension:
		if c.Extension == "" {
			return errors.New("select an application and one of its extension attributes")
		}
		return nil
	}
	return errors.New("choose the claim's source: Attribute or Directory schema extension")
}

// add appends a claim; a claim of the same name (case-insensitive) is
// refused, as the Entra admin centre refuses it.
func (d *claimsDefinition) add(c ClaimSpec) error {
	if err := c.validate(); err != nil {
		return err
	}
	name := strings.TrimSpace(c.Name)
	for _, e := range d.schema {
		if strings.EqualFold(str(e, "JwtClaimType"), name) {
			return fmt.Errorf("a claim named %q already exists: remove it first or choose another name", name)
		}
	}
	entry := map[string]any{"Source": "user", "JwtClaimType": name}
	if c.Source == sourceExtension {
		entry["ExtensionID"] = c.Extension
	} else {
		entry["ID"] = c.Attribute
	}
	d.schema = append(d.schema, entry)
	return nil
}

// remove drops the claim named name and reports whether it was there.
func (d *claimsDefinition) remove(name string) bool {
	kept := []map[string]any{}
	found := false
	for _, e := range d.schema {
		if strings.EqualFold(str(e, "JwtClaimType"), name) {
			found = true
			continue
		}
		kept = append(kept, e)
	}
	d.schema = kept
	return found
}

// definition is the policy's definition property: one JSON string.
func (d *claimsDefinition) definition() []string {
	schema, _ := json.Marshal(d.schema)
	d.policy["ClaimsSchema"] = schema
	policy, _ := json.Marshal(d.policy)
	d.root["ClaimsMappingPolicy"] = policy
	doc, _ := json.Marshal(d.root)
	return []string{string(doc)}
}

// mappedClaimsBlocked reports whether a sign-in to app fails with
// AADSTS50146: its service principal's policy emits claims but the app
// does not accept mapped claims.
func mappedClaimsBlocked(app *directory.Application, claims []ClaimView) bool {
	return app != nil && len(claims) > 0 && (app.API.AcceptMappedClaims == nil || !*app.API.AcceptMappedClaims)
}
