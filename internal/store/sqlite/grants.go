package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/grant"
)

// Security state is keyed by the hash of the secret the client holds (auth
// requests by their id). Reads, updates and deletes add
// `expires_at > now`, because a record past its expiry must act as if it
// were gone even before DeleteExpired removes it. Times are Unix
// microseconds.

// live returns the bound for `expires_at > ?`.
func (s *Store) live() int64 { return s.now().UnixMicro() }

func hashKey(hash string) rowKey { return rowKey{"", hash} }

// CreateAuthRequest stores a pending authorization request.
func (s *Store) CreateAuthRequest(ctx context.Context, r *grant.AuthRequest) error {
	err := s.insert(ctx, otherData, `INSERT INTO auth_requests (id, expires_at, doc) VALUES (?, ?, ?)`,
		r, r.ID, r.ExpiresAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("create auth request: %w", err)
	}
	return nil
}

// GetAuthRequest returns a live authorization request.
func (s *Store) GetAuthRequest(ctx context.Context, id string) (*grant.AuthRequest, error) {
	r, err := getDoc[grant.AuthRequest](ctx, s.db,
		`SELECT doc FROM auth_requests WHERE id = ? AND expires_at > ?`, id, s.live())
	if err != nil {
		return nil, fmt.Errorf("get auth request: %w", err)
	}
	return r, nil
}

// DeleteAuthRequest deletes a live authorization request. ErrNotFound tells
// a caller completing the request that another one already did.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	if err := s.deleteOne(ctx, otherData, `DELETE FROM auth_requests WHERE id = ? AND expires_at > ?`, id, s.live()); err != nil {
		return fmt.Errorf("delete auth request: %w", err)
	}
	return nil
}

// CreateAuthCode stores an issued authorization code.
func (s *Store) CreateAuthCode(ctx context.Context, c *grant.AuthCode) error {
	err := s.insert(ctx, otherData, `INSERT INTO auth_codes (hash, expires_at, doc) VALUES (?, ?, ?)`,
		c, c.Hash, c.ExpiresAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("create auth code: %w", err)
	}
	return nil
}

// UpdateAuthCode applies fn to a live code atomically; redemption marks it
// used here, so two concurrent redemptions cannot both see it unused.
func (s *Store) UpdateAuthCode(ctx context.Context, hash string, fn func(*grant.AuthCode) error) (*grant.AuthCode, error) {
	return updateDoc(ctx, s, otherData, "update auth code",
		`SELECT doc FROM auth_codes WHERE hash = ? AND expires_at > ?`, []any{hash, s.live()},
		func(c *grant.AuthCode) rowKey { return hashKey(c.Hash) }, fn,
		func(tx *sql.Tx, c *grant.AuthCode, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE auth_codes SET expires_at = ?, doc = ? WHERE hash = ?`,
				c.ExpiresAt.UnixMicro(), doc, hash)
			return err
		})
}

// CreateSession stores a sign-in session.
func (s *Store) CreateSession(ctx context.Context, sess *grant.Session) error {
	err := s.insert(ctx, otherData, `INSERT INTO sessions (hash, expires_at, doc) VALUES (?, ?, ?)`,
		sess, sess.Hash, sess.ExpiresAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// GetSession returns a live session.
func (s *Store) GetSession(ctx context.Context, hash string) (*grant.Session, error) {
	sess, err := getDoc[grant.Session](ctx, s.db,
		`SELECT doc FROM sessions WHERE hash = ? AND expires_at > ?`, hash, s.live())
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	return sess, nil
}

// DeleteSession deletes a live session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if err := s.deleteOne(ctx, otherData, `DELETE FROM sessions WHERE hash = ? AND expires_at > ?`, hash, s.live()); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// expiringTables lists every table of security state, for DeleteExpired:
// the grants', and the portal's sign-ins and sessions (portal.go).
var expiringTables = []string{"auth_requests", "auth_codes", "refresh_tokens", "device_codes", "sessions",
	"portal_logins", "portal_sessions", "revoked_refresh_families"}

// DeleteExpired removes the security state that expired at or before now
// (the same records reads already treat as missing) and reports how many
// records it removed.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	total := 0
	err := s.write(ctx, otherData, func(tx *sql.Tx) error {
		for _, table := range expiringTables {
			n, err := deleteRows(ctx, tx, `DELETE FROM `+table+` WHERE expires_at <= ?`, now.UnixMicro())
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired: %w", err)
	}
	return total, nil
}
