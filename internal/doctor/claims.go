package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/inspect"
)

// checkClaims looks for each expected claim and, for a missing one, walks
// the chain that produces it to find the broken link.
func (d *doctor) checkClaims(ctx context.Context) []Check {
	var out []Check
	for _, name := range d.cfg.Claims {
		out = append(out, d.checkClaim(ctx, name))
	}
	return out
}

// ExtensionName is Entra's name for an app's directory extension: the
// client id without dashes. Entra: the guide's dashed spelling does not
// match any definition.
func ExtensionName(clientID, name string) string {
	return "extension_" + strings.ToLower(strings.ReplaceAll(clientID, "-", "")) + "_" + name
}

func (d *doctor) checkClaim(ctx context.Context, name string) Check {
	id, title := "claim:"+name, fmt.Sprintf("Claim %q", name)
	if d.token == nil {
		return d.noToken(id, title)
	}
	if v, ok := d.token.Claim(name); ok {
		return passed(id, title, "%s = %s", name, inspect.FormatValue(v))
	}
	c := problem(id, title, "The token has no %q claim.", name)
	if auds := d.token.Audiences(); !slices.Contains(auds, d.cfg.ClientID) {
		c = c.detail("The token's audience is %v: mapped claims only go into tokens for the app whose service principal carries the claims mapping policy, such as kubelogin's ID token (aud = %s).", auds, d.cfg.ClientID)
	}
	if _, ok := d.token.Claim("extn." + name); ok {
		c = c.detail("The token has extn.%s instead: that comes from the app's optionalClaims, which prefix directory extensions with extn.; the guide's Attributes & Claims (a claims mapping policy) emits the bare name.", name)
	}
	if d.graph == nil {
		return c.detail("Graph is not available (%s), so the doctor cannot tell which link is missing.", d.graphWhy).
			fix("%s", d.chainFix(name))
	}
	return d.diagnoseClaim(ctx, c, name)
}

// chainFix is the whole chain for one claim, for when the broken link is
// unknown.
func (d *doctor) chainFix(name string) string {
	return fmt.Sprintf("check each link of the guide for %[1]s: (5) the extension property %[2]s exists on the app; (6) the user has a value for it;\n"+
		"(8) the Enterprise application's Attributes & Claims map %[1]s from user.%[1]s (a claims mapping policy on the service principal); (9) the manifest has \"acceptMappedClaims\": true.",
		name, ExtensionName(d.cfg.ClientID, name))
}

// mappedClaim is one ClaimsSchema entry of a claims mapping policy.
type mappedClaim struct {
	Source       string `json:"Source"`
	ID           string `json:"ID"`
	ExtensionID  string `json:"ExtensionID"`
	JwtClaimType string `json:"JwtClaimType"`
}

// parseClaimsSchema reads a ClaimsMappingPolicy definition leniently: the
// doctor explains policies, it does not validate them.
func parseClaimsSchema(definition []string) []mappedClaim {
	var out []mappedClaim
	for _, s := range definition {
		var doc struct {
			ClaimsMappingPolicy struct {
				ClaimsSchema []mappedClaim `json:"ClaimsSchema"`
			} `json:"ClaimsMappingPolicy"`
		}
		if json.Unmarshal([]byte(s), &doc) == nil {
			out = append(out, doc.ClaimsMappingPolicy.ClaimsSchema...)
		}
	}
	return out
}

// claimsPolicies reads the claims mapping policies assigned to the app's
// service principal (once).
func (d *doctor) claimsPolicies(ctx context.Context) ([]graphPolicy, error) {
	if d.claimsLoaded {
		return d.claimsPols, d.claimsErr
	}
	d.claimsLoaded = true
	d.claimsPols, d.claimsErr = list[graphPolicy](ctx, d.graph, spPath(d.cfg.ClientID)+"/claimsMappingPolicies")
	return d.claimsPols, d.claimsErr
}

// extensionDefined finds a directory extension definition by name among
// the app's and, failing that, every app's in the tenant. exact is false
// when only a case-insensitive match exists.
func (d *doctor) extensionDefined(ctx context.Context, name string) (found, exact bool, err error) {
	if !d.extLoaded {
		d.extLoaded = true
		d.extensions, d.extErr = list[extensionProperty](ctx, d.graph, appPath(d.cfg.ClientID)+"/extensionProperties")
		if d.extErr == nil {
			var all collection[extensionProperty]
			// Definitions owned by other apps (the portal lets an admin
			// pick any app's extensions). Best effort.
			if d.graph.do(ctx, "POST", "directoryObjects/getAvailableExtensionProperties", map[string]bool{"isSyncedFromOnPremises": false}, &all) == nil {
				d.extensions = append(d.extensions, all.Value...)
			}
		}
	}
	if d.extErr != nil {
		return false, false, d.extErr
	}
	for _, e := range d.extensions {
		if e.Name == name {
			return true, true, nil
		}
		if strings.EqualFold(e.Name, name) {
			found = true
		}
	}
	return found, false, nil
}

var dashedExtensionRE = regexp.MustCompile(`(?i)^extension_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_(.+)$`)

func (d *doctor) diagnoseClaim(ctx context.Context, c Check, name string) Check {
	pols, err := d.claimsPolicies(ctx)
	switch {
	case notFound(err):
		return c.detail("The app has no service principal (Enterprise application) in this tenant, and claims mapping lives there.").
			fix("create it: POST %s/servicePrincipals with {\"appId\":\"%s\"} (registering the app in the portal does this).", d.graphV1(), d.cfg.ClientID)
	case err != nil:
		c = c.detail("The claims mapping policies of the service principal could not be read: %v.", err)
		if denied(err) {
			c = c.detail("Grant the app Policy.Read.All (or Policy.ReadWrite.ApplicationConfiguration) and Application.Read.All with admin consent to let the doctor read them.")
		}
		return c.fix("%s", d.chainFix(name))
	}
	var entry *mappedClaim
	var owner graphPolicy
	var mapped []string
	for _, p := range pols {
		for _, m := range parseClaimsSchema(p.Definition) {
			mapped = append(mapped, m.JwtClaimType)
			if m.JwtClaimType == name && entry == nil {
				entry, owner = &m, p
			} else if strings.EqualFold(m.JwtClaimType, name) {
				c = c.detail("Policy %q maps %q, which differs from %q in case: JWT claim names are case-sensitive.", p.DisplayName, m.JwtClaimType, name)
			}
		}
	}
	ext := ExtensionName(d.cfg.ClientID, name)
	if entry == nil {
		if len(pols) == 0 {
			c = c.detail("No claims mapping policy is assigned to the app's service principal (Enterprise application), so nothing maps %s into tokens: the guide's step 8 is missing.", name)
		} else {
			c = c.detail("The claims mapping policy %q on the service principal maps %v, but not %s: the claim is not mapped.", pols[0].DisplayName, mapped, name)
		}
		var fixes []string
		c, fixes = d.upstreamLinks(ctx, c, name, ext)
		var existing *graphPolicy
		if len(pols) > 0 {
			existing = &pols[0]
		}
		return c.fix("%s", strings.Join(append(fixes, d.mappingFix(name, d.unmapped(pols), existing)), "\n"))
	}
	if entry.ExtensionID == "" {
		return c.detail("Policy %q maps %s from the user attribute %q (Source %s), not from a directory extension; the user probably has no value for that attribute.",
			owner.DisplayName, name, entry.ID, entry.Source).
			fix("give the user a value for %s, or map %s from %s as the guide does.", entry.ID, name, ext)
	}
	ext = entry.ExtensionID
	c = c.detail("Policy %q maps %s from the directory extension %s.", owner.DisplayName, name, ext)
	found, exact, err := d.extensionDefined(ctx, ext)
	switch {
	case err != nil:
		c = c.detail("The app's extension properties could not be read: %v.", err)
	case !found:
		c = c.detail("But no extension property named %s is registered in the tenant, and a mapping of a missing extension produces no claim.", ext)
		if m := dashedExtensionRE.FindStringSubmatch(ext); m != nil {
			c = c.detail("The name contains the client id with dashes; Entra names extensions with the client id without dashes: %s.", ExtensionName(d.cfg.ClientID, m[1]))
			return c.fix("change the policy's ExtensionID to %s (PATCH %s/policies/claimsMappingPolicies/%s with the corrected definition).",
				ExtensionName(d.cfg.ClientID, m[1]), d.graphV1(), owner.ID)
		}
		return c.fix("create the extension property (guide step 5):\n%s", d.extensionFix(name))
	case !exact:
		return c.detail("An extension property with that name exists only in a different case; Entra reads extension names case-sensitively when it builds tokens.").
			fix("make the policy's ExtensionID match the extension property's name exactly.")
	}
	if d.app != nil && (d.app.API.AcceptMappedClaims == nil || !*d.app.API.AcceptMappedClaims) {
		c = c.detail("The app's api.acceptMappedClaims is not true, so new sign-ins fail with AADSTS50146 (set it in the Manifest, guide step 9).")
	}
	return d.diagnoseUserValue(ctx, c, name, ext)
}

// userKey is how the user is addressed in Graph: the token's oid, else
// the username given.
func (d *doctor) userKey() string {
	if oid := d.token.ClaimString("oid"); oid != "" {
		return oid
	}
	return d.cfg.Username
}

// userValue reads the user's value of an extension; nil when unset.
func (d *doctor) userValue(ctx context.Context, ext string) (upn string, value any, err error) {
	var got map[string]any
	err = d.graph.get(ctx, "users/"+url.PathEscape(d.userKey())+"?$select="+url.QueryEscape("id,userPrincipalName,"+ext), &got)
	if err != nil {
		return "", nil, err
	}
	upn, _ = got["userPrincipalName"].(string)
	if v := got[ext]; v != nil && v != "" {
		return upn, v, nil
	}
	return upn, nil, nil
}

// upstreamLinks checks the links before the mapping, the extension
// property (step 5) and the user's value (step 6), so that one run lists
// every missing step. It returns their fixes, in the guide's order.
func (d *doctor) upstreamLinks(ctx context.Context, c Check, name, ext string) (Check, []string) {
	found, _, err := d.extensionDefined(ctx, ext)
	switch {
	case err != nil:
		return c, nil
	case !found:
		c = c.detail("The extension property %s is not registered either (guide step 5), and the user cannot have a value for it yet (step 6).", ext)
		return c, []string{"create the extension property (guide step 5):\n" + d.extensionFix(name), "give the user a value (guide step 6):\n" + d.patchUserCommand(d.userKey(), ext)}
	}
	upn, v, err := d.userValue(ctx, ext)
	switch {
	case err != nil:
		return c, nil
	case v == nil:
		c = c.detail("The user %s has no value for %s either (guide step 6).", upn, ext)
		return c, []string{"give the user a value (guide step 6):\n" + d.patchUserCommand(d.userKey(), ext)}
	}
	return c.detail("The extension property %s exists and the user %s has the value %s.", ext, upn, inspect.FormatValue(v)), nil
}

// diagnoseUserValue reads the user's value of the extension.
func (d *doctor) diagnoseUserValue(ctx context.Context, c Check, name, ext string) Check {
	if d.userKey() == "" {
		return c.detail("The token has no oid claim, so the user cannot be looked up.").fix("%s", d.patchUserFix("<user-object-id>", ext))
	}
	upn, v, err := d.userValue(ctx, ext)
	switch {
	case err != nil && denied(err):
		return c.detail("Graph denied reading the user (%v): grant User.Read.All with admin consent to let the doctor check the value.", err).
			fix("%s", d.patchUserFix(d.userKey(), ext))
	case err != nil:
		return c.detail("The user %s could not be read: %v.", d.userKey(), err).fix("%s", d.patchUserFix(d.userKey(), ext))
	case v == nil:
		return c.detail("The user %s has no value for %s, and Entra leaves a claim out when the value is empty.", upn, ext).
			fix("%s", d.patchUserFix(d.userKey(), ext))
	}
	return c.detail("The user %s has %s = %s, and everything else is in place.", upn, ext, inspect.FormatValue(v)).
		fix("the token was issued before the last change: get a fresh one (kubelogin get-token … --force-refresh; kubelogin otherwise reuses its cached token).")
}

// unmapped lists the expected claims that are missing from the token and
// that no assigned policy maps: one fix maps them all, as a service
// principal takes only one claims mapping policy.
func (d *doctor) unmapped(pols []graphPolicy) []string {
	mapped := map[string]bool{}
	for _, p := range pols {
		for _, m := range parseClaimsSchema(p.Definition) {
			mapped[m.JwtClaimType] = true
		}
	}
	var out []string
	for _, n := range d.cfg.Claims {
		if _, inToken := d.token.Claim(n); !inToken && !mapped[n] {
			out = append(out, n)
		}
	}
	return out
}

// mappingFix maps the claims from their extensions, in a new policy or by
// extending the assigned one.
func (d *doctor) mappingFix(name string, names []string, existing *graphPolicy) string {
	var entries []map[string]string
	for _, n := range names {
		entries = append(entries, map[string]string{"Source": "user", "ExtensionID": ExtensionName(d.cfg.ClientID, n), "JwtClaimType": n})
	}
	portal := fmt.Sprintf("map the claim (guide step 8): Enterprise applications → the app → Single sign-on → Attributes & Claims → Add new claim: Name %s, Source \"Directory schema extension\", attribute user.%s.", name, name)
	if len(names) > 1 {
		portal += fmt.Sprintf(" Graph alternative for all of %s at once", strings.Join(names, ", "))
	} else {
		portal += " Graph alternative"
	}
	if existing != nil {
		def, ok := withClaims(existing.Definition, entries)
		if !ok {
			return portal + fmt.Sprintf(": add %s to the ClaimsSchema of policy %q (PATCH %s/policies/claimsMappingPolicies/%s); a service principal has only one claims mapping policy.",
				jsonString(entries), existing.DisplayName, d.graphV1(), existing.ID)
		}
		return portal + fmt.Sprintf(" (a service principal has only one claims mapping policy, so extend %q):\n"+
			"curl -X PATCH \"%s/policies/claimsMappingPolicies/%s\" -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" \\\n"+
			"  -d '%s'", existing.DisplayName, d.graphV1(), existing.ID, jsonString(map[string]any{"definition": []string{def}}))
	}
	def := jsonString(map[string]any{"ClaimsMappingPolicy": map[string]any{"Version": 1, "IncludeBasicClaimSet": "true",
		"ClaimsSchema": entries}})
	create := jsonString(map[string]any{"displayName": d.appName() + " claims", "definition": []string{def}})
	return portal + fmt.Sprintf(", with an app-only token in $TOKEN:\n"+
		"curl -X POST \"%[1]s/policies/claimsMappingPolicies\" -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" \\\n"+
		"  -d '%[2]s'\n"+
		"curl -X POST \"%[1]s/servicePrincipals(appId='%[3]s')/claimsMappingPolicies/\\$ref\" -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" \\\n"+
		"  -d '{\"@odata.id\":\"https://graph.microsoft.com/v1.0/policies/claimsMappingPolicies/<id from the first answer>\"}'\n"+
		"then set \"acceptMappedClaims\": true in the app's Manifest (guide step 9).",
		d.graphV1(), create, d.cfg.ClientID)
}

// withClaims returns a claims mapping policy definition with more
// ClaimsSchema entries, keeping everything else as it is.
func withClaims(definition []string, entries []map[string]string) (string, bool) {
	if len(definition) != 1 {
		return "", false
	}
	var doc map[string]any
	if json.Unmarshal([]byte(definition[0]), &doc) != nil {
		return "", false
	}
	p, ok := doc["ClaimsMappingPolicy"].(map[string]any)
	if !ok {
		return "", false
	}
	schema, _ := p["ClaimsSchema"].([]any)
	for _, e := range entries {
		schema = append(schema, e)
	}
	p["ClaimsSchema"] = schema
	return jsonString(doc), true
}

func jsonString(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(b.String())
}

func (d *doctor) extensionFix(name string) string {
	return fmt.Sprintf("curl -X POST \"%s/%s/extensionProperties\" -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" \\\n"+
		"  -d '{\"name\":\"%s\",\"dataType\":\"String\",\"targetObjects\":[\"User\"]}'", d.graphV1(), d.appRef(), name)
}

func (d *doctor) patchUserFix(user, ext string) string {
	return "set the value (guide step 6; note the extension name has the client id without dashes):\n" + d.patchUserCommand(user, ext)
}

func (d *doctor) patchUserCommand(user, ext string) string {
	return fmt.Sprintf("curl -X PATCH \"%s/users/%s\" -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" \\\n"+
		"  -d '{\"%s\":\"<value>\"}'", d.graphV1(), user, ext)
}

func (d *doctor) appName() string {
	if d.app != nil && d.app.DisplayName != "" {
		return d.app.DisplayName
	}
	return "app"
}
