package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/grant"
)

// CreateDeviceCode stores a device authorization. The user code must be
// unique among live codes; an expired code's user code is free again, so
// the short codes users type do not stay blocked until garbage collection.
func (s *Store) CreateDeviceCode(ctx context.Context, d *grant.DeviceCode) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("create device code: encode document: %w", err)
	}
	err = s.write(ctx, otherData, func(tx *sql.Tx) error {
		if _, err := deleteRows(ctx, tx, `DELETE FROM device_codes WHERE user_code = ? AND expires_at <= ?`,
			nullable(d.UserCode), s.live()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO device_codes (hash, user_code, expires_at, doc) VALUES (?, ?, ?, ?)`,
			d.Hash, nullable(d.UserCode), d.ExpiresAt.UnixMicro(), string(doc))
		return conflict(err)
	})
	if err != nil {
		return fmt.Errorf("create device code: %w", err)
	}
	return nil
}

// UpdateDeviceCode applies fn to a live device code, found by the hash of
// the device code the client polls with.
func (s *Store) UpdateDeviceCode(ctx context.Context, hash string, fn func(*grant.DeviceCode) error) (*grant.DeviceCode, error) {
	return s.updateDeviceCode(ctx, `SELECT doc FROM device_codes WHERE hash = ? AND expires_at > ?`, hash, fn)
}

// UpdateDeviceCodeByUserCode applies fn to a live device code, found by the
// user code the user typed on the verification page.
func (s *Store) UpdateDeviceCodeByUserCode(ctx context.Context, userCode string, fn func(*grant.DeviceCode) error) (*grant.DeviceCode, error) {
	return s.updateDeviceCode(ctx, `SELECT doc FROM device_codes WHERE user_code = ? AND expires_at > ?`, nullable(userCode), fn)
}

func (s *Store) updateDeviceCode(ctx context.Context, query string, key any, fn func(*grant.DeviceCode) error) (*grant.DeviceCode, error) {
	return updateDoc(ctx, s, otherData, "update device code", query, []any{key, s.live()},
		func(d *grant.DeviceCode) rowKey { return hashKey(d.Hash) }, fn,
		func(tx *sql.Tx, d *grant.DeviceCode, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE device_codes SET user_code = ?, expires_at = ?, doc = ? WHERE hash = ?`,
				nullable(d.UserCode), d.ExpiresAt.UnixMicro(), doc, d.Hash)
			return err
		})
}
