package portal

import (
	"context"

	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
)

// Store is the storage the portal needs. Every record lives in Gatehouse's
// store (never only in process memory), so two portal replicas behind one
// load balancer share sign-ins, sessions and settings.
//
// The rules of internal/store apply: a missing or expired record is
// store.ErrNotFound; creating a record whose key exists is store.ErrConflict;
// an Update method runs its closure atomically over the current value, an
// error from the closure aborts the update and is returned unchanged, and a
// closure never calls the store. Login requests and sessions carry ExpiresAt:
// past it they are treated as missing and DeleteExpired may remove them.
type Store interface {
	// CreatePortalLogin stores a pending sign-in, keyed by StateHash.
	CreatePortalLogin(ctx context.Context, l *LoginRequest) error
	// UpdatePortalLogin updates a pending sign-in by StateHash. The callback
	// marks it used; a used one stays until it expires, so a replayed state
	// is recognised as reused rather than unknown.
	UpdatePortalLogin(ctx context.Context, stateHash string, fn func(*LoginRequest) error) (*LoginRequest, error)

	// CreatePortalSession stores a new session, keyed by Hash.
	CreatePortalSession(ctx context.Context, s *Session) error
	GetPortalSession(ctx context.Context, hash string) (*Session, error)
	// UpdatePortalSession is the read-modify-write of a session (refresh).
	UpdatePortalSession(ctx context.Context, hash string, fn func(*Session) error) (*Session, error)
	// DeletePortalSession removes a session; a missing one is not an error.
	DeletePortalSession(ctx context.Context, hash string) error

	// GetPortalSettings returns a user's settings, keyed by (issuer, subject).
	GetPortalSettings(ctx context.Context, issuer, subject string) (*Settings, error)
	// UpdatePortalSettings creates or updates a user's settings: fn receives
	// the stored value, or, when there is none, a zero Settings with Issuer
	// and Subject set (CreatedAt zero tells the closure it is new).
	UpdatePortalSettings(ctx context.Context, issuer, subject string, fn func(*Settings) error) (*Settings, error)
}

// The records are portalstate's, so that internal/store can implement Store
// without importing the portal.
type (
	// LoginRequest is a sign-in in progress, keyed by its state's SHA-256.
	LoginRequest = portalstate.LoginRequest
	// Session is a signed-in portal user, keyed by its cookie's SHA-256.
	Session = portalstate.Session
	// Profile is what the portal shows about the user.
	Profile = portalstate.Profile
)
