package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The cluster portal's state (store.Portal). Sign-ins and sessions are
// security state and follow the rules of grants.go: keyed by a hash, read
// only while `expires_at > now`, removed by DeleteExpired. Settings never
// expire. None of it is directory data.

// CreatePortalLogin stores a pending portal sign-in.
func (s *Store) CreatePortalLogin(ctx context.Context, l *portalstate.LoginRequest) error {
	err := s.insert(ctx, otherData, `INSERT INTO portal_logins (state_hash, expires_at, doc) VALUES (?, ?, ?)`,
		l, l.StateHash, l.ExpiresAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("create portal login: %w", err)
	}
	return nil
}

// UpdatePortalLogin applies fn to a live sign-in atomically; the callback
// marks it used here, so two callbacks with one state cannot both use it.
func (s *Store) UpdatePortalLogin(ctx context.Context, stateHash string, fn func(*portalstate.LoginRequest) error) (*portalstate.LoginRequest, error) {
	return updateDoc(ctx, s, otherData, "update portal login",
		`SELECT doc FROM portal_logins WHERE state_hash = ? AND expires_at > ?`, []any{stateHash, s.live()},
		func(l *portalstate.LoginRequest) rowKey { return hashKey(l.StateHash) }, fn,
		func(tx *sql.Tx, l *portalstate.LoginRequest, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE portal_logins SET expires_at = ?, doc = ? WHERE state_hash = ?`,
				l.ExpiresAt.UnixMicro(), doc, stateHash)
			return err
		})
}

// CreatePortalSession stores a portal session.
func (s *Store) CreatePortalSession(ctx context.Context, sess *portalstate.Session) error {
	err := s.insert(ctx, otherData, `INSERT INTO portal_sessions (hash, expires_at, doc) VALUES (?, ?, ?)`,
		sess, sess.Hash, sess.ExpiresAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("create portal session: %w", err)
	}
	return nil
}

// GetPortalSession returns a live portal session.
func (s *Store) GetPortalSession(ctx context.Context, hash string) (*portalstate.Session, error) {
	sess, err := getDoc[portalstate.Session](ctx, s.db,
		`SELECT doc FROM portal_sessions WHERE hash = ? AND expires_at > ?`, hash, s.live())
	if err != nil {
		return nil, fmt.Errorf("get portal session: %w", err)
	}
	return sess, nil
}

// UpdatePortalSession applies fn to a live portal session atomically; the
// refresh lease that serialises token refreshes across replicas is taken
// here.
func (s *Store) UpdatePortalSession(ctx context.Context, hash string, fn func(*portalstate.Session) error) (*portalstate.Session, error) {
	return updateDoc(ctx, s, otherData, "update portal session",
		`SELECT doc FROM portal_sessions WHERE hash = ? AND expires_at > ?`, []any{hash, s.live()},
		func(sess *portalstate.Session) rowKey { return hashKey(sess.Hash) }, fn,
		func(tx *sql.Tx, sess *portalstate.Session, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE portal_sessions SET expires_at = ?, doc = ? WHERE hash = ?`,
				sess.ExpiresAt.UnixMicro(), doc, hash)
			return err
		})
}

// DeletePortalSession deletes a portal session, expired or not. A missing
// one is not an error (store.Portal): sign-out succeeds however the session
// ended.
func (s *Store) DeletePortalSession(ctx context.Context, hash string) error {
	err := s.write(ctx, otherData, func(tx *sql.Tx) error {
		_, err := deleteRows(ctx, tx, `DELETE FROM portal_sessions WHERE hash = ?`, hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete portal session: %w", err)
	}
	return nil
}

// GetPortalSettings returns a user's portal settings.
func (s *Store) GetPortalSettings(ctx context.Context, issuer, subject string) (*portalstate.Settings, error) {
	st, err := getDoc[portalstate.Settings](ctx, s.db,
		`SELECT doc FROM portal_settings WHERE issuer = ? AND subject = ?`, issuer, subject)
	if err != nil {
		return nil, fmt.Errorf("get portal settings: %w", err)
	}
	return st, nil
}

// UpdatePortalSettings is the read-modify-write of a user's settings,
// creating them when there are none. The write lock is held from the read
// (BEGIN IMMEDIATE), so a first sign-in racing another, on this replica or
// another process, sees the settings the first one stored.
func (s *Store) UpdatePortalSettings(ctx context.Context, issuer, subject string, fn func(*portalstate.Settings) error) (*portalstate.Settings, error) {
	var (
		out   *portalstate.Settings
		fnErr error
	)
	err := s.write(ctx, otherData, func(tx *sql.Tx) error {
		st, err := getDoc[portalstate.Settings](ctx, tx,
			`SELECT doc FROM portal_settings WHERE issuer = ? AND subject = ?`, issuer, subject)
		switch {
		case errors.Is(err, store.ErrNotFound):
			st = &portalstate.Settings{Issuer: issuer, Subject: subject}
		case err != nil:
			return err
		}
		if fnErr = fn(st); fnErr != nil {
			return fnErr
		}
		if st.Issuer != issuer || st.Subject != subject {
			return errKeyChanged
		}
		doc, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode document: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_settings (issuer, subject, doc) VALUES (?, ?, ?)
			ON CONFLICT (issuer, subject) DO UPDATE SET doc = excluded.doc`, issuer, subject, string(doc)); err != nil {
			return err
		}
		out = st
		return nil
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("update portal settings: %w", err)
	}
	return out, nil
}
