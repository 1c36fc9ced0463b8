package cache

import (
	"context"

	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
)

// The portal's sign-ins, sessions and settings pass straight through: they
// are per user, written on most requests that read them (sign-in, refresh,
// the account form), and not part of the directory version, so a cache
// could neither save reads nor notice other replicas' writes.

// CreatePortalLogin stores a pending portal sign-in.
func (s *Store) CreatePortalLogin(ctx context.Context, l *portalstate.LoginRequest) error {
	return s.st.CreatePortalLogin(ctx, l)
}

// UpdatePortalLogin applies fn to a live portal sign-in atomically.
func (s *Store) UpdatePortalLogin(ctx context.Context, stateHash string, fn func(*portalstate.LoginRequest) error) (*portalstate.LoginRequest, error) {
	return s.st.UpdatePortalLogin(ctx, stateHash, fn)
}

// CreatePortalSession stores a portal session.
func (s *Store) CreatePortalSession(ctx context.Context, sess *portalstate.Session) error {
	return s.st.CreatePortalSession(ctx, sess)
}

// GetPortalSession returns a live portal session.
func (s *Store) GetPortalSession(ctx context.Context, hash string) (*portalstate.Session, error) {
	return s.st.GetPortalSession(ctx, hash)
}

// UpdatePortalSession applies fn to a live portal session atomically.
func (s *Store) UpdatePortalSession(ctx context.Context, hash string, fn func(*portalstate.Session) error) (*portalstate.Session, error) {
	return s.st.UpdatePortalSession(ctx, hash, fn)
}

// DeletePortalSession deletes a portal session; a missing one is not an error.
func (s *Store) DeletePortalSession(ctx context.Context, hash string) error {
	return s.st.DeletePortalSession(ctx, hash)
}

// GetPortalSettings returns a user's portal settings.
func (s *Store) GetPortalSettings(ctx context.Context, issuer, subject string) (*portalstate.Settings, error) {
	return s.st.GetPortalSettings(ctx, issuer, subject)
}

// UpdatePortalSettings creates or updates a user's portal settings atomically.
func (s *Store) UpdatePortalSettings(ctx context.Context, issuer, subject string, fn func(*portalstate.Settings) error) (*portalstate.Settings, error) {
	return s.st.UpdatePortalSettings(ctx, issuer, subject, fn)
}
