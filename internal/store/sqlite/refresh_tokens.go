package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/grant"
)

// CreateRefreshToken stores an issued refresh token.
func (s *Store) CreateRefreshToken(ctx context.Context, t *grant.RefreshToken) error {
	err := s.insert(ctx, otherData, `INSERT INTO refresh_tokens (hash, family_id, session_id, expires_at, doc) VALUES (?, ?, ?, ?, ?)`,
		t, t.Hash, nullable(t.FamilyID), nullable(t.SessionID), t.ExpiresAt.UnixMicro())
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
// included, and reports how many rows it removed. An empty family id
// matches nothing: it is stored as NULL.
func (s *Store) DeleteRefreshFamily(ctx context.Context, familyID string) (int, error) {
	return s.deleteRefreshTokens(ctx, "delete refresh family", `DELETE FROM refresh_tokens WHERE family_id = ?`, nullable(familyID))
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
