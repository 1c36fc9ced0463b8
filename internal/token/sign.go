package token

import (
	"encoding/json"
	"fmt"
)

// Signer signs JWT payloads (keys.Manager).
type Signer interface {
	Sign(payload []byte, withX5T bool) (string, error)
}

// Sign serialises and signs a token. v1 tokens carry the x5t header, as
// Entra's do.
func Sign(s Signer, t *Token) (string, error) {
	payload, err := json.Marshal(t.Claims)
	if err != nil {
		return "", fmt.Errorf("marshal %s claims: %w", t.Kind, err)
	}
	return s.Sign(payload, t.Version == 1)
}
