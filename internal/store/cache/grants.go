package cache

import (
	"context"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Security state and signing keys pass straight through: they change with
// every sign-in and rotation, must be single-use across replicas, and are
// not part of the directory version.

// CreateAuthRequest stores a pending authorization request.
func (s *Store) CreateAuthRequest(ctx context.Context, r *grant.AuthRequest) error {
	return s.st.CreateAuthRequest(ctx, r)
}

// GetAuthRequest returns a live authorization request.
func (s *Store) GetAuthRequest(ctx context.Context, id string) (*grant.AuthRequest, error) {
	return s.st.GetAuthRequest(ctx, id)
}

// DeleteAuthRequest deletes a live authorization request.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.st.DeleteAuthRequest(ctx, id)
}

// CreateAuthCode stores an issued authorization code.
func (s *Store) CreateAuthCode(ctx context.Context, c *grant.AuthCode) error {
	return s.st.CreateAuthCode(ctx, c)
}

// UpdateAuthCode applies fn to a live code atomically.
func (s *Store) UpdateAuthCode(ctx context.Context, hash string, fn func(*grant.AuthCode) error) (*grant.AuthCode, error) {
	return s.st.UpdateAuthCode(ctx, hash, fn)
}

// CreateRefreshToken stores an issued refresh token.
func (s *Store) CreateRefreshToken(ctx context.Context, t *grant.RefreshToken) error {
	return s.st.CreateRefreshToken(ctx, t)
}

// UpdateRefreshToken applies fn to a live token atomically.
func (s *Store) UpdateRefreshToken(ctx context.Context, hash string, fn func(*grant.RefreshToken) error) (*grant.RefreshToken, error) {
	return s.st.UpdateRefreshToken(ctx, hash, fn)
}

// DeleteRefreshFamily revokes every refresh token of a family.
func (s *Store) DeleteRefreshFamily(ctx context.Context, familyID string, until time.Time) (int, error) {
	return s.st.DeleteRefreshFamily(ctx, familyID, until)
}

// DeleteRefreshTokensBySession revokes the refresh tokens of a sign-in session.
func (s *Store) DeleteRefreshTokensBySession(ctx context.Context, sessionID string) (int, error) {
	return s.st.DeleteRefreshTokensBySession(ctx, sessionID)
}

// CreateDeviceCode stores a device authorization.
func (s *Store) CreateDeviceCode(ctx context.Context, d *grant.DeviceCode) error {
	return s.st.CreateDeviceCode(ctx, d)
}

// UpdateDeviceCode applies fn to a live device code, by hash.
func (s *Store) UpdateDeviceCode(ctx context.Context, hash string, fn func(*grant.DeviceCode) error) (*grant.DeviceCode, error) {
	return s.st.UpdateDeviceCode(ctx, hash, fn)
}

// UpdateDeviceCodeByUserCode applies fn to a live device code, by user code.
func (s *Store) UpdateDeviceCodeByUserCode(ctx context.Context, userCode string, fn func(*grant.DeviceCode) error) (*grant.DeviceCode, error) {
	return s.st.UpdateDeviceCodeByUserCode(ctx, userCode, fn)
}

// CreateSession stores a sign-in session.
func (s *Store) CreateSession(ctx context.Context, sess *grant.Session) error {
	return s.st.CreateSession(ctx, sess)
}

// GetSession returns a live session.
func (s *Store) GetSession(ctx context.Context, hash string) (*grant.Session, error) {
	return s.st.GetSession(ctx, hash)
}

// DeleteSession deletes a live session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.st.DeleteSession(ctx, hash)
}

// DeleteExpired removes expired security state.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	return s.st.DeleteExpired(ctx, now)
}

// CreateSigningKey stores a signing key.
func (s *Store) CreateSigningKey(ctx context.Context, k *store.SigningKey) error {
	return s.st.CreateSigningKey(ctx, k)
}

// ListSigningKeys returns every signing key.
func (s *Store) ListSigningKeys(ctx context.Context) ([]*store.SigningKey, error) {
	return s.st.ListSigningKeys(ctx)
}

// UpdateSigningKey applies fn to the stored key atomically.
func (s *Store) UpdateSigningKey(ctx context.Context, kid string, fn func(*store.SigningKey) error) (*store.SigningKey, error) {
	return s.st.UpdateSigningKey(ctx, kid, fn)
}

// DeleteSigningKey deletes a signing key.
func (s *Store) DeleteSigningKey(ctx context.Context, kid string) error {
	return s.st.DeleteSigningKey(ctx, kid)
}
