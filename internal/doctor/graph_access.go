package doctor

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/inspect"
)

const titleGraph = "Microsoft Graph access (app-only token)"

// Application permissions the Graph-backed checks need (any of each set).
var (
	readApplications = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	readUsers        = []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	readPolicies     = []string{"Policy.Read.All", "Policy.ReadWrite.ApplicationConfiguration"}
)

// checkGraphAccess gets an app-only token for Microsoft Graph with client
// credentials, as the guide's step 4 does with curl. The later checks read
// the app, its policies and the user through it.
func (d *doctor) checkGraphAccess(ctx context.Context) []Check {
	switch {
	case d.discovery == nil:
		d.graphWhy = "the discovery document could not be read, so the token endpoint is unknown"
		return []Check{skipped("graph_access", titleGraph, "Skipped: %s.", d.graphWhy)}
	case d.cfg.ClientSecret == "":
		d.graphWhy = "no client secret was given, so no app-only Graph token could be obtained"
		return []Check{skipped("graph_access", titleGraph, "Skipped: %s.", d.graphWhy).
			fix("pass --client-secret to let the doctor read the app registration, its policies and the user through Graph.")}
	}
	endpoint := d.discovery.TokenEndpoint
	resource := graphResource(d.cfg.GraphURL)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {d.cfg.ClientID}, "client_secret": {d.cfg.ClientSecret}}
	if isV2Endpoint(endpoint) {
		form.Set("scope", resource+"/.default")
	} else {
		form.Set("resource", resource)
	}
	tr, err := postToken(ctx, d.cfg.Client, endpoint, form)
	if err != nil {
		d.graphWhy = "no app-only Graph token could be obtained (" + err.Error() + ")"
		c := problem("graph_access", titleGraph, "The client credentials request to %s failed: %v.", endpoint, err)
		var oe *OAuthError
		if errors.As(err, &oe) {
			if e, ok := explainAADSTS(oe.AADSTS(), d.graphV1(), d.cfg.ClientID); ok {
				return []Check{c.detail("This means %s.", e.why).fix("%s", e.fix)}
			}
		}
		return []Check{c.fix("check --client-id and --client-secret (kubelogin uses the same pair).")}
	}
	d.graph = &graphClient{http: d.cfg.Client, base: d.graphV1(), token: tr.AccessToken}
	if t, err := inspect.Decode(tr.AccessToken); err == nil {
		if v, ok := t.Claim("roles"); ok {
			if list, ok := v.([]any); ok {
				for _, r := range list {
					if s, ok := r.(string); ok {
						d.graph.roles = append(d.graph.roles, s)
					}
				}
			}
		}
	}
	c := passed("graph_access", titleGraph, "Got an app-only token for %s from %s.", d.graphV1(), endpoint)
	if len(d.graph.roles) == 0 {
		c = c.detail("The token carries no application permissions (roles): Graph will deny the reads below.")
	} else {
		c = c.detail("Application permissions in the token: %s.", strings.Join(d.graph.roles, ", "))
	}
	for _, need := range []struct {
		perms []string
		what  string
	}{{readApplications, "the app registration"}, {readUsers, "users' extension values"}, {readPolicies, "policies"}} {
		if len(d.graph.roles) > 0 && !overlaps(d.graph.roles, need.perms) {
			c = c.detail("None of %s is granted, so %s cannot be read; add one under API permissions and grant admin consent.", strings.Join(need.perms, ", "), need.what)
		}
	}
	return []Check{c}
}

func overlaps(have, want []string) bool {
	for _, w := range want {
		if slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, w) }) {
			return true
		}
	}
	return false
}

// graphSkip is the check a Graph-backed step reports when Graph cannot be
// read, with what to look at by hand instead.
func (d *doctor) graphSkip(id, title string, err error, permission, byHand string) Check {
	switch {
	case err == nil:
		return skipped(id, title, "Skipped: %s.", d.graphWhy).detail("Check by hand: %s", byHand)
	case denied(err):
		return skipped(id, title, "Skipped: Graph denied the read (%v).", err).
			detail("Check by hand: %s", byHand).
			fix("grant the app the %s application permission (API permissions → Add a permission → Microsoft Graph → Application permissions) and admin consent, so the doctor can check this.", permission)
	default:
		return skipped(id, title, "Skipped: Graph could not be read: %v.", err).detail("Check by hand: %s", byHand)
	}
}
