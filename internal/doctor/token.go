package doctor

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/inspect"
)

const (
	titleToken      = "Getting a token for the user"
	titleTokenValid = "Token signature, issuer, audience and expiry"
)

// checkToken signs the user in with the password grant (kubelogin
// --grant-type=password does the same), or takes the given token.
func (d *doctor) checkToken(ctx context.Context) []Check {
	if d.cfg.Token != "" {
		t, err := inspect.Decode(d.cfg.Token)
		if err != nil {
			d.tokenWhy = "the given token could not be decoded"
			return []Check{problem("token", titleToken, "The token given could not be decoded: %v.", err).
				fix("pass the ID token itself (kubelogin get-token prints it as .status.token).")}
		}
		d.token, d.tokenRaw = t, d.cfg.Token
		return []Check{passed("token", titleToken, "Using the token given with --token.")}
	}
	if d.discovery == nil {
		d.tokenWhy = "the token endpoint is unknown (no discovery document)"
		return []Check{skipped("token", titleToken, "Skipped: %s.", d.tokenWhy)}
	}
	endpoint := d.discovery.TokenEndpoint
	// What kubelogin sends for --grant-type=password: scope openid and no
	// resource; v1 ignores the scope and still returns an ID token.
	form := url.Values{"grant_type": {"password"}, "client_id": {d.cfg.ClientID},
		"username": {d.cfg.Username}, "password": {d.cfg.Password}, "scope": {"openid"}}
	if d.cfg.ClientSecret != "" {
		form.Set("client_secret", d.cfg.ClientSecret)
	}
	tr, err := postToken(ctx, d.cfg.Client, endpoint, form)
	if err != nil {
		d.tokenWhy = "no token could be obtained"
		c := problem("token", titleToken, "The token endpoint %s refused the password grant for %s: %v.", endpoint, d.cfg.Username, err)
		var oe *OAuthError
		if errors.As(err, &oe) {
			if e, ok := explainAADSTS(oe.AADSTS(), d.graphV1(), d.cfg.ClientID); ok {
				return []Check{c.detail("This means %s.", e.why).fix("%s", e.fix)}
			}
		}
		return []Check{c.fix("if the user needs MFA or the tenant disallows the password grant, get a token with kubelogin and pass it with --token.")}
	}
	if tr.IDToken == "" {
		d.tokenWhy = "the token endpoint returned no ID token"
		return []Check{problem("token", titleToken, "The token endpoint answered without an id_token; kubelogin would fail with \"id_token is missing\".").
			fix("on a v2 issuer the request must include the openid scope; check that the app is allowed to sign users in.")}
	}
	t, err := inspect.Decode(tr.IDToken)
	if err != nil {
		d.tokenWhy = "the ID token could not be decoded"
		return []Check{problem("token", titleToken, "The ID token could not be decoded: %v.", err)}
	}
	d.token, d.tokenRaw = t, tr.IDToken
	return []Check{passed("token", titleToken, "Signed %s in with the password grant at %s and got an ID token (the token kubelogin hands to kubectl).",
		d.cfg.Username, endpoint)}
}

func (d *doctor) noToken(id, title string) Check {
	return skipped(id, title, "Skipped: %s.", d.tokenWhy)
}

// checkTokenValid checks the token as a relying party: signature against
// the issuer's keys, expiry, audience = the client id, iss = the issuer.
func (d *doctor) checkTokenValid(ctx context.Context) []Check {
	if d.token == nil {
		return []Check{d.noToken("token_valid", titleTokenValid)}
	}
	r, err := inspect.Inspect(ctx, d.tokenRaw, inspect.Options{Audience: d.cfg.ClientID, Client: d.cfg.Client,
		Now: func() time.Time { return d.now }})
	if err != nil {
		return []Check{problem("token_valid", titleTokenValid, "The token could not be inspected: %v.", err)}
	}
	var c Check
	if r.OK() {
		c = passed("token_valid", titleTokenValid, "Signature valid (key %s), aud is the client id, expires %s.", r.Signature.KeyID, expiry(r))
	} else {
		c = problem("token_valid", titleTokenValid, "The token would be rejected by kubelogin and the API server.")
		for _, p := range r.Problems {
			c = c.detail("%s: %s", p.Code, p.Message)
		}
		if slices.ContainsFunc(r.Problems, func(p inspect.Problem) bool { return p.Code == inspect.ProblemWrongAudience }) {
			c = c.fix("kubelogin and the API server expect an ID token whose aud is the client id %s; an access token (for Graph or another API) will not do.", d.cfg.ClientID)
		} else if slices.ContainsFunc(r.Problems, func(p inspect.Problem) bool { return p.Code == inspect.ProblemExpired }) {
			c = c.fix("get a fresh token: kubelogin get-token … --force-refresh.")
		}
	}
	if iss := d.token.ClaimString("iss"); iss != d.cfg.Issuer {
		if c.Status == StatusOK {
			c = problem("token_valid", titleTokenValid, "The token is valid, but its iss is not the issuer given.").
				fix("use the same issuer everywhere: kubelogin --oidc-issuer-url, the API server's issuer url and this --issuer.")
		}
		c = c.detail("iss is %q, the issuer given is %q.", iss, d.cfg.Issuer)
		switch {
		case strings.HasSuffix(iss, "/v2.0") && strings.HasSuffix(d.cfg.Issuer, "/"):
			c = c.detail("The token comes from the v2 endpoint, but the issuer is v1: a relying party configured with the v1 issuer rejects it.")
		case strings.HasSuffix(iss, "/") && strings.HasSuffix(d.cfg.Issuer, "/v2.0"):
			c = c.detail("The token comes from the v1 endpoint (sts.windows.net form), but the issuer is v2: a relying party configured with the v2 issuer rejects it.")
		}
	}
	return []Check{c}
}

func expiry(r *inspect.Report) string {
	for _, t := range r.Times {
		if t.Name == "exp" {
			return t.Relative
		}
	}
	return "never"
}
