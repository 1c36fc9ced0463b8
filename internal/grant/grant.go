// Package grant defines the security state of the OAuth 2.0 and OpenID
// Connect flows: pending authorization requests, authorization codes,
// refresh tokens, device codes and sign-in sessions. Every record carries an
// expiry and lives in the store (never only in memory), so replicas share it.
// Secrets handed to clients (codes, refresh tokens, device codes, session
// cookies) are stored only as hashes: a record's key is the hash.
package grant

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Flow says which issuer and endpoint version a grant belongs to, so tokens
// issued from it later carry the same `iss` and version.
type Flow struct {
	TenantID string `json:"tenantId"`
	// BaseURL and TenantSegment are the scheme+host and the tenant path
	// segment (GUID or domain) the client used; issuers derive from them.
	BaseURL       string `json:"baseUrl"`
	TenantSegment string `json:"tenantSegment"`
	// Issuer is the exact issuer string of the endpoint that started the flow.
	Issuer string `json:"issuer"`
	// Version is 1 or 2: the endpoint version (v1 /oauth2/, v2 /oauth2/v2.0/).
	Version int `json:"version"`
}

// AuthRequest is an authorization request waiting for the user to sign in.
type AuthRequest struct {
	ID                  string `json:"id"`
	Flow                Flow   `json:"flow"`
	ClientID            string `json:"clientId"`
	RedirectURI         string `json:"redirectUri"`
	ResponseMode        string `json:"responseMode"`
	State               string `json:"state"`
	Nonce               string `json:"nonce"`
	Scope               string `json:"scope"`
	Resource            string `json:"resource"`
	CodeChallenge       string `json:"codeChallenge"`
	CodeChallengeMethod string `json:"codeChallengeMethod"`
	LoginHint           string `json:"loginHint"`
	// Prompt is the request's prompt (login, consent, none, …).
	Prompt    string            `json:"prompt,omitempty"`
	Extra     map[string]string `json:"extra,omitempty"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// AuthCode is an issued authorization code. It is single use: UsedAt is set
// on redemption, and a second redemption revokes the refresh token family
// the first one started.
type AuthCode struct {
	Hash                string     `json:"hash"`
	Flow                Flow       `json:"flow"`
	ClientID            string     `json:"clientId"`
	RedirectURI         string     `json:"redirectUri"`
	UserID              string     `json:"userId"`
	SessionID           string     `json:"sessionId"`
	Scope               string     `json:"scope"`
	Resource            string     `json:"resource"`
	Nonce               string     `json:"nonce"`
	CodeChallenge       string     `json:"codeChallenge"`
	CodeChallengeMethod string     `json:"codeChallengeMethod"`
	AuthTime            time.Time  `json:"authTime"`
	ExpiresAt           time.Time  `json:"expiresAt"`
	UsedAt              *time.Time `json:"usedAt,omitempty"`
	// FamilyID is the refresh token family the first redemption started.
	FamilyID string `json:"familyId,omitempty"`
	// Reused marks a code presented again after its redemption: it is
	// burnt for good, even if the first redemption then fails and would
	// otherwise give the code back (security review F10).
	Reused bool `json:"reused,omitempty"`
}

// RefreshToken is an issued refresh token. Refresh tokens rotate: each use
// issues a new one in the same family and marks this one rotated. Presenting
// a rotated token again revokes the whole family (RFC 9700 §4.14.2).
type RefreshToken struct {
	Hash      string     `json:"hash"`
	FamilyID  string     `json:"familyId"`
	Flow      Flow       `json:"flow"`
	ClientID  string     `json:"clientId"`
	UserID    string     `json:"userId"`
	SessionID string     `json:"sessionId"`
	Scope     string     `json:"scope"`
	Resource  string     `json:"resource"`
	AuthTime  time.Time  `json:"authTime"`
	IssuedAt  time.Time  `json:"issuedAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
	RotatedAt *time.Time `json:"rotatedAt,omitempty"`
}

// Device code states.
const (
	DevicePending  = "pending"
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
	DeviceRedeemed = "redeemed"
)

// DeviceCode is a device authorization (RFC 8628) in progress.
type DeviceCode struct {
	Hash         string    `json:"hash"`
	UserCode     string    `json:"userCode"`
	Flow         Flow      `json:"flow"`
	ClientID     string    `json:"clientId"`
	Scope        string    `json:"scope"`
	Resource     string    `json:"resource"`
	Status       string    `json:"status"`
	UserID       string    `json:"userId,omitempty"`
	AuthTime     time.Time `json:"authTime"`
	Interval     int       `json:"interval"`
	LastPolledAt time.Time `json:"lastPolledAt"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

// Session is a user's sign-in session at the identity provider, referenced
// by a cookie. A live session lets the next authorize skip the password.
type Session struct {
	Hash      string    `json:"hash"`
	ID        string    `json:"id"` // public id, used as `sid` and session_state
	TenantID  string    `json:"tenantId"`
	UserID    string    `json:"userId"`
	AuthTime  time.Time `json:"authTime"`
	Methods   []string  `json:"methods"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// NewSecret returns a random 256-bit value, base64url encoded, for codes,
// refresh tokens, device codes and session cookies.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash returns the storage key for a secret handed to a client. Secrets are
// 256-bit random values, so a plain SHA-256 is enough: nothing to brute force.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
