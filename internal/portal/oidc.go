package portal

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
)

// RelyingParty is the portal's OpenID Connect client of one issuer. It
// discovers the issuer lazily (and again after a failure), so the portal
// starts while its issuer is still coming up, as in `gatehouse dev`.
type RelyingParty struct {
	issuer       string
	clientID     string
	clientSecret string
	scopes       []string
	redirectURL  string
	client       *http.Client
	claims       ClaimNames
	clock        func() time.Time

	mu   sync.Mutex
	disc *discovered
}

// discovered is what the issuer's discovery document gave.
type discovered struct {
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
}

// ClaimNames are the ID token claims the portal reads beyond the standard ones.
type ClaimNames struct {
	// Namespace holds the default namespace (default "default_namespace").
	Namespace string
	// Picture holds the avatar URL (default "picture").
	Picture string
}

func newRelyingParty(cfg *Config, client *http.Client) *RelyingParty {
	return &RelyingParty{issuer: cfg.IssuerURL, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret,
		scopes: cfg.Scopes, redirectURL: cfg.RedirectURL, client: client, claims: cfg.Claims, clock: cfg.Clock}
}

func (rp *RelyingParty) ctx(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, rp.client)
	return context.WithValue(ctx, oauth2.HTTPClient, rp.client)
}

// discover fetches and checks the discovery document once; a failure is not
// cached, so the next sign-in tries again.
func (rp *RelyingParty) discover(ctx context.Context) (*discovered, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.disc != nil {
		return rp.disc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(rp.ctx(ctx), rp.issuer)
	if err != nil {
		return nil, fmt.Errorf("discover issuer %s: %w", rp.issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("discovery document of %s: %w", rp.issuer, err)
	}
	ep := p.Endpoint()
	if rp.clientSecret == "" {
		// A public client authenticates with PKCE alone and names itself in
		// the body (RFC 6749 §2.3, RFC 7636).
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	// The verifier's key set fetches with a background context: give it our
	// HTTP client (custom CA) through that context.
	keyCtx := oidc.ClientContext(context.Background(), rp.client)
	rp.disc = &discovered{
		oauth: oauth2.Config{ClientID: rp.clientID, ClientSecret: rp.clientSecret, Endpoint: ep,
			RedirectURL: rp.redirectURL, Scopes: rp.scopes},
		verifier:   p.VerifierContext(keyCtx, &oidc.Config{ClientID: rp.clientID, Now: rp.clock}),
		endSession: meta.EndSession,
	}
	return rp.disc, nil
}

// AuthCodeURL is the issuer's authorization URL for a new sign-in, with
// state, nonce and the PKCE S256 challenge of verifier.
func (rp *RelyingParty) AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	d, err := rp.discover(ctx)
	if err != nil {
		return "", err
	}
	return d.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// IssuerError is an error response of the issuer's token endpoint (or a
// failure to reach it). Its text is safe to show: error code and
// description, never a token.
type IssuerError struct {
	Op          string // "exchange" or "refresh"
	Code        string // OAuth error code, e.g. invalid_grant
	Description string
	Err         error // the cause, for the log
}

func (e *IssuerError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("token %s: %s: %s", e.Op, e.Code, e.Description)
	}
	return fmt.Sprintf("token %s: %v", e.Op, e.Err)
}

func (e *IssuerError) Unwrap() error { return e.Err }

func issuerError(op string, err error) error {
	ie := &IssuerError{Op: op, Err: err}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		ie.Code, ie.Description = re.ErrorCode, re.ErrorDescription
		if ie.Code == "" {
			ie.Code = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
		}
	}
	return ie
}

// Exchange redeems an authorization code with its PKCE verifier and
// verifies the ID token (signature, issuer, audience, expiry) and its nonce.
func (rp *RelyingParty) Exchange(ctx context.Context, code, verifier, nonce string) (*Tokens, error) {
	d, err := rp.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := d.oauth.Exchange(rp.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, issuerError("exchange", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, &IssuerError{Op: "exchange", Err: errors.New("the token response has no id_token (is the openid scope requested?)")}
	}
	t, idt, err := rp.verify(ctx, d, raw)
	if err != nil {
		return nil, err
	}
	if idt.Nonce != nonce {
		return nil, &IssuerError{Op: "exchange", Err: errors.New("the ID token's nonce does not match the sign-in request")}
	}
	t.AccessToken, t.RefreshToken = tok.AccessToken, tok.RefreshToken
	return t, nil
}

// Refresh redeems a refresh token. The result has no ID token when the
// issuer sent none; one it sent is verified like a sign-in's (no nonce).
func (rp *RelyingParty) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	d, err := rp.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tok, err := d.oauth.TokenSource(rp.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, issuerError("refresh", err)
	}
	t := &Tokens{}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		if t, _, err = rp.verify(ctx, d, raw); err != nil {
			return nil, err
		}
	}
	t.AccessToken = tok.AccessToken
	if tok.RefreshToken != refreshToken {
		t.RefreshToken = tok.RefreshToken
	}
	return t, nil
}

func (rp *RelyingParty) verify(ctx context.Context, d *discovered, raw string) (*Tokens, *oidc.IDToken, error) {
	idt, err := d.verifier.Verify(rp.ctx(ctx), raw)
	if err != nil {
		return nil, nil, &IssuerError{Op: "verify", Err: fmt.Errorf("ID token: %w", err)}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, nil, &IssuerError{Op: "verify", Err: fmt.Errorf("ID token claims: %w", err)}
	}
	// OIDC Core §3.1.3.7: with several audiences, azp must be this client.
	if len(idt.Audience) > 1 {
		if azp, _ := claims["azp"].(string); azp != rp.clientID {
			return nil, nil, &IssuerError{Op: "verify", Err: fmt.Errorf("ID token has several audiences and azp %q is not this client", azp)}
		}
	}
	if idt.Subject == "" {
		return nil, nil, &IssuerError{Op: "verify", Err: errors.New("ID token has no sub")}
	}
	return &Tokens{IDToken: raw, IDTokenExp: idt.Expiry, Issuer: idt.Issuer, Subject: idt.Subject,
		Profile: profileFromClaims(claims, rp.claims)}, idt, nil
}

// profileFromClaims reads what the portal shows. Entra v1 tokens name the
// user in upn or unique_name, v2 and Keycloak in preferred_username.
func profileFromClaims(c map[string]any, names ClaimNames) Profile {
	str := func(keys ...string) string {
		for _, k := range keys {
			if s, ok := c[k].(string); ok && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
		return ""
	}
	p := Profile{Name: str("name"), Username: str("preferred_username", "upn", "unique_name", "email"), Email: str("email")}
	if p.Name == "" {
		p.Name = strings.TrimSpace(str("given_name") + " " + str("family_name"))
	}
	if pic, ok := c[names.Picture].(string); ok {
		p.Picture = SafePictureURL(pic)
	}
	if gs, ok := c["groups"].([]any); ok {
		for _, g := range gs {
			if s, ok := g.(string); ok {
				p.Groups = append(p.Groups, s)
			}
		}
	}
	if v, ok := c[names.Namespace]; ok {
		p.NamespaceClaimPresent = true
		p.Namespaces, _ = ClaimNamespaces(v)
	}
	return p
}

// EndSessionURL is where RP-initiated logout sends the browser, or "" when
// the issuer publishes no end_session_endpoint. It names the client and the
// post-logout redirect but deliberately not id_token_hint: here the ID token
// is the cluster credential, and a URL would put it in browser history and
// server logs.
func (rp *RelyingParty) EndSessionURL(ctx context.Context, postLogoutRedirect string) string {
	d, err := rp.discover(ctx)
	if err != nil || d.endSession == "" {
		return ""
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", rp.clientID)
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Discovered reports whether the issuer's discovery document was fetched.
func (rp *RelyingParty) Discovered() bool {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.disc != nil
}

// endSessionOrigin is the scheme://host of the end_session_endpoint once
// discovered ("" before), for the pages' CSP form-action: the sign-out
// form's redirect goes there.
func (rp *RelyingParty) endSessionOrigin() string {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.disc == nil {
		return ""
	}
	u, err := url.Parse(rp.disc.endSession)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
