package portalstate

import "time"

// LoginRequest is a sign-in in progress: what the callback must find to
// accept an authorization response. It is keyed by the SHA-256 of the state
// parameter and bound to the browser that started it by the SHA-256 of a
// cookie, so a code injected into another browser's callback is refused.
type LoginRequest struct {
	StateHash string `json:"stateHash"`
	// BrowserHash is the SHA-256 of the login binding cookie.
	BrowserHash string `json:"browserHash"`
	Nonce       string `json:"nonce"`
	// PKCEVerifier is the code_verifier (RFC 7636) sent with the code.
	PKCEVerifier string `json:"pkceVerifier"`
	// ReturnTo is the local path to show after sign-in.
	ReturnTo  string     `json:"returnTo"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
	UsedAt    *time.Time `json:"usedAt,omitempty"`
}
