package webui

import (
	"crypto/subtle"
	"net/http"
)

// CheckCSRF bounds the form body to maxBytes and compares its csrf_token
// field with the session's token in constant time.
func CheckCSRF(r *http.Request, maxBytes int64, sessionToken string) bool {
	r.Body = http.MaxBytesReader(nil, r.Body, maxBytes)
	tok := r.PostFormValue("csrf_token")
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(sessionToken)) == 1
}
