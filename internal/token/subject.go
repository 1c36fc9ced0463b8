package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// PairwiseSubject returns the `sub` of a user in an application. Entra's sub
// is pairwise: stable for one user in one app, different across apps, and
// not the object id. A keyed hash per tenant gives the same properties and
// the same 43-character base64url shape.
func PairwiseSubject(salt []byte, appID, userID string) string {
	mac := hmac.New(sha256.New, salt)
	mac.Write([]byte(appID))
	mac.Write([]byte{0})
	mac.Write([]byte(userID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
