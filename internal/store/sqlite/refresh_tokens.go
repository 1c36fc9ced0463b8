package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// CreateRefreshToken stores an issued refresh token.
// The check of the revoked families runs in the insert's transaction, so
// an insert and a revocation of the same family are ordered.
func (s *Store) CreateRefreshToken(ctx context.Context, t *grant.RefreshToken) error {
	doc, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("create refresh token: encode document: %w", err)
	}
	err = s.write(ctx, otherData, func(tx *sql.Tx) error {
		if t.FamilyID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM revoked_refresh_families WHERE family_id = ?`, t.FamilyID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return store.ErrRevoked
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (hash, family_id, session_id, expires_at, doc) VALUES (?, ?, ?, ?, ?)`,
			t.Hash, nullable(t.FamilyID), nullable(t.SessionID), t.ExpiresAt.UnixMicro(), string(doc))
		return conflict(err)
	})
	if err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	return nil
}

// UpdateRefreshToken applies fn to a live token atomically; rotation marks
// it rotated here, so a replayed token is detected even under races.
func (s *Store) UpdateRefreshToken(ctx context.Context, hash string, fn func(*grant.RefreshToken) error) (*grant.RefreshToken, error) {
	return updateDoc(ctx, s, otherData, "update refresh token",
		`SELECT doc FROM refresh_tokens WHERE hash = ? AND expires_at > ?`, []any{hash, s.live()},
		func(t *grant.RefreshToken) rowKey { return hashKey(t.Hash) }, fn,
		func(tx *sql.Tx, t *grant.RefreshToken, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET family_id = ?, session_id = ?, expires_at = ?, doc = ? WHERE hash = ?`,
				nullable(t.FamilyID), nullable(t.SessionID), t.ExpiresAt.UnixMicro(), doc, hash)
			return err
		})
}

// DeleteRefreshFamily deletes every token of a family, expired ones
// included, records the family as revoked until until, and reports how
// many tokens it removed. An empty family id matches nothing: it is stored
// as NULL.
func (s *Store) DeleteRefreshFamily(ctx context.Context, familyID string, until time.Time) (int, error) {
	if familyID == "" {
		return 0, nil
	}
	var n int
	err := s.write(ctx, otherData, func(tx *sql.Tx) error {
		var err error
		if n, err = deleteRows(ctx, tx, `DELETE FROM refresh_tokens WHERE family_id = ?`, familyID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO revoked_refresh_families (family_id, expires_at) VALUES (?, ?)
			ON CONFLICT (family_id) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`, familyID, until.UnixMicro())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete refresh family: %w", err)
	}
	return n, nil
}

// DeleteRefreshTokensBySession deletes the tokens issued under a sign-in
// session. An empty session id matches nothing, so signing out can never
// revoke the tokens of flows without a session (device code).
func (s *Store) DeleteRefreshTokensBySession(ctx context.Context, sessionID string) (int, error) {
	return s.deleteRefreshTokens(ctx, "delete refresh tokens of session", `DELETE FROM refresh_tokens WHERE session_id = ?`, nullable(sessionID))
}

func (s *Store) deleteRefreshTokens(ctx context.Context, what, query string, arg any) (int, error) {
	var n int
	err := s.write(ctx, otherData, func(tx *sql.Tx) error {
		var err error
		n, err = deleteRows(ctx, tx, query, arg)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}
