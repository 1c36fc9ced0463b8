package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

func signingKeyKey(k *store.SigningKey) rowKey { return rowKey{"", k.KID} }

// CreateSigningKey stores a signing key; kids are unique.
func (s *Store) CreateSigningKey(ctx context.Context, k *store.SigningKey) error {
	err := s.insert(ctx, otherData, `INSERT INTO signing_keys (kid, created_at, doc) VALUES (?, ?, ?)`,
		k, k.KID, k.CreatedAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("create signing key %s: %w", k.KID, err)
	}
	return nil
}

// ListSigningKeys returns every key, oldest first, so JWKS order is stable.
func (s *Store) ListSigningKeys(ctx context.Context) ([]*store.SigningKey, error) {
	ks, err := listDocs[store.SigningKey](ctx, s.db, `SELECT doc FROM signing_keys ORDER BY created_at, kid`)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return ks, nil
}

// UpdateSigningKey applies fn to the stored key atomically (rotation moves
// keys between states).
func (s *Store) UpdateSigningKey(ctx context.Context, kid string, fn func(*store.SigningKey) error) (*store.SigningKey, error) {
	return updateDoc(ctx, s, otherData, "update signing key "+kid,
		`SELECT doc FROM signing_keys WHERE kid = ?`, []any{kid},
		signingKeyKey, fn,
		func(tx *sql.Tx, k *store.SigningKey, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE signing_keys SET created_at = ?, doc = ? WHERE kid = ?`,
				k.CreatedAt.UnixMicro(), doc, kid)
			return err
		})
}

// DeleteSigningKey deletes a key.
func (s *Store) DeleteSigningKey(ctx context.Context, kid string) error {
	if err := s.deleteOne(ctx, otherData, `DELETE FROM signing_keys WHERE kid = ?`, kid); err != nil {
		return fmt.Errorf("delete signing key %s: %w", kid, err)
	}
	return nil
}
