package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/internal/token"
)

// scopes the admin centre asks for: v2.0 ID tokens carry oid, name and
// preferred_username only with profile. No offline_access: the session
// keeps no token, the directory is asked on every request instead.
var scopes = []string{oidc.ScopeOpenID, "profile"}

// relyingParty is the admin centre's OpenID Connect client of every
// tenant's v2.0 issuer. Each issuer is discovered at its first sign-in; a
// failure is not kept, so the next sign-in tries again.
type relyingParty struct {
	base        string
	clientID    string
	redirectURL string
	client      *http.Client
	clock       func() time.Time

	mu       sync.Mutex
	byTenant map[string]*discovered
}

type discovered struct {
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
}

// identity is who signed in, from the verified ID token.
type identity struct {
	Issuer   string
	TenantID string
	ObjectID string
	Name     string
	Username string
}

func newRelyingParty(cfg *Config) *relyingParty {
	return &relyingParty{base: cfg.LoginBaseURL, clientID: cfg.ClientID, redirectURL: cfg.PublicURL + "/callback",
		client: cfg.HTTPClient, clock: cfg.Clock, byTenant: map[string]*discovered{}}
}

func (rp *relyingParty) issuer(tenantID string) string { return token.Issuer(rp.base, tenantID, 2) }

func (rp *relyingParty) ctx(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, rp.client)
	return context.WithValue(ctx, oauth2.HTTPClient, rp.client)
}

func (rp *relyingParty) discover(ctx context.Context, tenantID string) (*discovered, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if d := rp.byTenant[tenantID]; d != nil {
		return d, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(rp.ctx(ctx), rp.issuer(tenantID))
	if err != nil {
		return nil, fmt.Errorf("discover issuer %s: %w", rp.issuer(tenantID), err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("discovery document of %s: %w", rp.issuer(tenantID), err)
	}
	ep := p.Endpoint()
	// A public client: PKCE instead of a secret, client_id in the body
	// (RFC 6749 §2.3, RFC 7636).
	ep.AuthStyle = oauth2.AuthStyleInParams
	keyCtx := oidc.ClientContext(context.Background(), rp.client)
	d := &discovered{
		oauth:      oauth2.Config{ClientID: rp.clientID, Endpoint: ep, RedirectURL: rp.redirectURL, Scopes: scopes},
		verifier:   p.VerifierContext(keyCtx, &oidc.Config{ClientID: rp.clientID, Now: rp.clock}),
		endSession: meta.EndSession,
	}
	rp.byTenant[tenantID] = d
	return d, nil
}

// authCodeURL is the tenant's authorization URL with state, nonce and the
// PKCE S256 challenge of verifier.
func (rp *relyingParty) authCodeURL(ctx context.Context, tenantID, state, nonce, verifier string) (string, error) {
	d, err := rp.discover(ctx, tenantID)
	if err != nil {
		return "", err
	}
	return d.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// exchangeError is a failed code redemption; its text is safe to show.
type exchangeError struct {
	Code, Description string
	Err               error
}

func (e *exchangeError) Error() string {
	if e.Code != "" {
		return e.Code + ": " + e.Description
	}
	return e.Err.Error()
}

func (e *exchangeError) Unwrap() error { return e.Err }

// exchange redeems the code with its PKCE verifier and verifies the ID
// token: signature, issuer, audience, expiry, nonce, and that it names the
// tenant the sign-in was started for.
func (rp *relyingParty) exchange(ctx context.Context, tenantID, code, verifier, nonce string) (*identity, error) {
	d, err := rp.discover(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	tok, err := d.oauth.Exchange(rp.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		ee := &exchangeError{Err: err}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			ee.Code, ee.Description = re.ErrorCode, re.ErrorDescription
		}
		return nil, ee
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("the token response has no id_token")
	}
	idt, err := d.verifier.Verify(rp.ctx(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("verify ID token: %w", err)
	}
	if idt.Nonce != nonce {
		return nil, errors.New("the ID token's nonce does not match the sign-in request")
	}
	var c struct {
		TID  string `json:"tid"`
		OID  string `json:"oid"`
		Name string `json:"name"`
		UPN  string `json:"preferred_username"`
	}
	if err := idt.Claims(&c); err != nil {
		return nil, fmt.Errorf("ID token claims: %w", err)
	}
	if !strings.EqualFold(c.TID, tenantID) || c.OID == "" {
		return nil, fmt.Errorf("the ID token names tenant %q and object %q, want tenant %s", c.TID, c.OID, tenantID)
	}
	return &identity{Issuer: idt.Issuer, TenantID: strings.ToLower(c.TID), ObjectID: strings.ToLower(c.OID), Name: c.Name, Username: c.UPN}, nil
}

// endSessionURL is the tenant's logout endpoint returning to
// postLogout, or "" before discovery.
func (rp *relyingParty) endSessionURL(tenantID, postLogout string) string {
	rp.mu.Lock()
	d := rp.byTenant[tenantID]
	rp.mu.Unlock()
	if d == nil || d.endSession == "" {
		return ""
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", rp.clientID)
	q.Set("post_logout_redirect_uri", postLogout)
	u.RawQuery = q.Encode()
	return u.String()
}
