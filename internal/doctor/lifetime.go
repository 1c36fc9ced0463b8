package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/inspect"
	"github.com/gatehouse-id/gatehouse/internal/policy"
)

const titleLifetime = "Token lifetime"

// lifetimeTolerance absorbs rounding between iat and exp.
const lifetimeTolerance = time.Minute

// lifetimeAssignment is a token lifetime policy that may apply to the app.
type lifetimeAssignment struct {
	on       string // "the application", "the service principal", "the organisation (default)"
	policy   graphPolicy
	lifetime time.Duration // AccessTokenLifetime; 0 when unset or unreadable
}

func (a lifetimeAssignment) describe() string {
	setting := "does not set AccessTokenLifetime"
	if a.lifetime > 0 {
		setting = "sets AccessTokenLifetime " + policy.FormatTimeSpan(a.lifetime) + " (" + inspect.FormatDuration(a.lifetime) + ")"
	}
	return fmt.Sprintf("policy %q (id %s) on %s %s", a.policy.DisplayName, a.policy.ID, a.on, setting)
}

// accessTokenLifetime reads AccessTokenLifetime from a definition; zero
// when it is not set.
func accessTokenLifetime(definition []string) time.Duration {
	for _, s := range definition {
		var doc struct {
			TokenLifetimePolicy struct {
				AccessTokenLifetime string `json:"AccessTokenLifetime"`
			} `json:"TokenLifetimePolicy"`
		}
		if json.Unmarshal([]byte(s), &doc) != nil {
			continue
		}
		if d, err := policy.ParseTimeSpan(doc.TokenLifetimePolicy.AccessTokenLifetime); err == nil {
			return d
		}
	}
	return 0
}

// lifetimePolicies lists the policies that may apply, in the order
// Gatehouse applies them: the application's, the service principal's, the
// organisation default. (Entra's documentation disagrees on whether the
// organisation default or the application's policy wins.)
func (d *doctor) lifetimePolicies(ctx context.Context) ([]lifetimeAssignment, error) {
	var out []lifetimeAssignment
	for _, src := range []struct{ on, path string }{
		{"the application", appPath(d.cfg.ClientID) + "/tokenLifetimePolicies"},
		{"the service principal", spPath(d.cfg.ClientID) + "/tokenLifetimePolicies"},
		{"the organisation (default)", "policies/tokenLifetimePolicies"},
	} {
		pols, err := list[graphPolicy](ctx, d.graph, src.path)
		if err != nil {
			return out, err
		}
		for _, p := range pols {
			if src.path == "policies/tokenLifetimePolicies" && !p.IsOrganizationDefault {
				continue
			}
			out = append(out, lifetimeAssignment{on: src.on, policy: p, lifetime: accessTokenLifetime(p.Definition)})
		}
	}
	return out, nil
}

func (d *doctor) checkLifetime(ctx context.Context) []Check {
	if d.token == nil {
		return []Check{d.noToken("lifetime", titleLifetime)}
	}
	iat, hasIat := d.token.Time("iat")
	exp, hasExp := d.token.Time("exp")
	if !hasIat || !hasExp {
		return []Check{problem("lifetime", titleLifetime, "The token lacks iat or exp, so its lifetime is unknown; relying parties reject a token without exp.")}
	}
	lt := exp.Sub(iat)
	want := d.cfg.ExpectLifetime

	var assigned []lifetimeAssignment
	var polErr error
	if d.graph != nil {
		assigned, polErr = d.lifetimePolicies(ctx)
	}
	var c Check
	switch {
	case want == 0:
		c = passed("lifetime", titleLifetime, "The token lives %s (exp - iat = %ds); no --expect-lifetime was given.", inspect.FormatDuration(lt), int64(lt/time.Second))
	case absDuration(lt-want) <= lifetimeTolerance:
		c = passed("lifetime", titleLifetime, "The token lives %s (exp - iat = %ds), as expected.", inspect.FormatDuration(lt), int64(lt/time.Second))
	default:
		c = problem("lifetime", titleLifetime, "The token lives %s (exp - iat = %ds), but %s was expected.", inspect.FormatDuration(lt), int64(lt/time.Second), inspect.FormatDuration(want))
	}
	switch {
	case d.graph == nil:
		c = c.detail("Which token lifetime policy applies is unknown: %s.", d.graphWhy)
	case polErr != nil:
		c = c.detail("The token lifetime policies could not be read: %v.", polErr)
		if denied(polErr) {
			c = c.detail("Grant Policy.Read.All (or Policy.ReadWrite.ApplicationConfiguration) with admin consent to let the doctor read them.")
		}
	case len(assigned) == 0:
		c = c.detail("No token lifetime policy is assigned to the application, its service principal or the organisation, so Entra's default applies: 1 hour for ID tokens (60–90 minutes for access tokens).")
	default:
		for i, a := range assigned {
			if i == 0 {
				c = c.detail("Applies: %s.", a.describe())
			} else {
				c = c.detail("Also assigned: %s.", a.describe())
			}
		}
	}
	if c.Status != StatusProblem {
		return []Check{c}
	}
	if auds := d.token.Audiences(); !slices.Contains(auds, d.cfg.ClientID) {
		c = c.detail("The token's audience is %v: a policy on the app changes only tokens for the app (the ID token kubelogin gets), not access tokens for Graph.", auds)
	}
	if want < policy.MinAccessTokenLifetime || want > policy.MaxAccessTokenLifetime {
		c = c.detail("Entra accepts an AccessTokenLifetime between 10 minutes and 1 day only.")
	}
	span := policy.FormatTimeSpan(want)
	switch {
	case d.graph == nil || polErr != nil:
		return []Check{c.fix("make sure a token lifetime policy with AccessTokenLifetime %s is assigned to the application (guide steps 5–6), then get a fresh token.", span)}
	case len(assigned) == 0:
		return []Check{c.fix("create the policy and assign it to the application (guide steps 5–6):\n%s", d.lifetimeFix(span))}
	case absDuration(assigned[0].lifetime-want) <= lifetimeTolerance:
		return []Check{c.detail("The policy already sets the expected lifetime, so this token predates it.").
			fix("get a fresh token: kubelogin get-token … --force-refresh (kubelogin otherwise reuses its cached token).")}
	default:
		a := assigned[0]
		fix := fmt.Sprintf("set the policy's AccessTokenLifetime to %s:\n"+
			`curl -X PATCH "%s/policies/tokenLifetimePolicies/%s" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \`+"\n"+
			`  -d '{"definition":["{\"TokenLifetimePolicy\":{\"Version\":1,\"AccessTokenLifetime\":\"%s\"}}"]}'`,
			span, d.graphV1(), a.policy.ID, span)
		if a.lifetime > 0 {
			fix += fmt.Sprintf("\n(or, if %s is right, change --expect-lifetime)", inspect.FormatDuration(a.lifetime))
		}
		return []Check{c.fix("%s", fix)}
	}
}

func (d *doctor) lifetimeFix(span string) string {
	return strings.Join([]string{
		fmt.Sprintf(`curl -X POST "%s/policies/tokenLifetimePolicies" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \`, d.graphV1()),
		fmt.Sprintf(`  -d '{"definition":["{\"TokenLifetimePolicy\":{\"Version\":1,\"AccessTokenLifetime\":\"%s\"}}"],"displayName":"Custom Access Token Lifetime","isOrganizationDefault":false}'`, span),
		fmt.Sprintf(`curl -X POST "%s/%s/tokenLifetimePolicies/\$ref" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \`, d.graphV1(), d.appRef()),
		`  -d '{"@odata.id":"https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies/<policy id>"}'`,
	}, "\n")
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
