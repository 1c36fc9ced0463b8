package directory

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword hashes a user password with argon2id in the PHC string form.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// ErrPasswordMismatch is returned by VerifyPassword for a wrong password.
var ErrPasswordMismatch = errors.New("password does not match")

// VerifyPassword checks a password against a hash from HashPassword in
// constant time.
func VerifyPassword(encoded, password string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("unsupported password hash format")
	}
	var version int
	var mem uint32
	var iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return fmt.Errorf("parse argon2 parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("decode salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("decode hash: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrPasswordMismatch
	}
	return nil
}

// DefaultSecretLifetime is the Entra portal's recommended client secret
// lifetime (180 days); Graph's addPassword defaults to two years.
const DefaultSecretLifetime = 2 * 365 * 24 * time.Hour

// NewClientSecret creates a client secret and the credential that stores
// only its hash. The secret carries 256 random bits, in Entra's
// "xxx8Q~..." shape; the first three characters are the visible hint.
func NewClientSecret(displayName string, now time.Time, lifetime time.Duration) (secret string, cred PasswordCredential) {
	b := make([]byte, 32)
	rand.Read(b)
	r := base64.RawURLEncoding.EncodeToString(b)
	secret = r[:3] + "8Q~" + r[3:]
	if lifetime <= 0 {
		lifetime = DefaultSecretLifetime
	}
	cred = PasswordCredential{
		KeyID: NewID(), DisplayName: displayName, Hint: secret[:3], SecretHash: HashClientSecret(secret),
		StartDateTime: now.UTC(), EndDateTime: now.UTC().Add(lifetime),
	}
	return secret, cred
}

// HashClientSecret hashes a client secret. Secrets are 256-bit random
// values, so a fast hash is safe (no dictionary to try) and keeps the token
// endpoint fast; a password hash here would cost more than the RSA signature.
func HashClientSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Secret check results.
var (
	ErrSecretMismatch = errors.New("client secret does not match")
	ErrSecretExpired  = errors.New("client secret has expired")
)

// VerifyClientSecret checks a presented secret against every credential of
// the application in constant time.
func VerifyClientSecret(app *Application, secret string, now time.Time) error {
	h := HashClientSecret(secret)
	matched, expired := false, false
	for _, c := range app.PasswordCredentials {
		if subtle.ConstantTimeCompare(h, c.SecretHash) == 1 {
			if now.Before(c.StartDateTime.Add(-5*time.Minute)) || now.After(c.EndDateTime) {
				expired = true
				continue
			}
			matched = true
		}
	}
	switch {
	case matched:
		return nil
	case expired:
		return ErrSecretExpired
	default:
		return ErrSecretMismatch
	}
}
