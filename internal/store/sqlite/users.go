package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func userKey(u *directory.User) rowKey { return rowKey{u.TenantID, u.ID} }

// CreateUser stores a user; its id and its userPrincipalName (compared
// case-insensitively, as Entra does at sign-in) are each unique in the tenant.
func (s *Store) CreateUser(ctx context.Context, u *directory.User) error {
	err := s.insert(ctx, directoryData, `INSERT INTO users (tenant_id, id, upn, mail, doc) VALUES (?, ?, ?, ?, ?)`,
		u, u.TenantID, u.ID, folded(u.UserPrincipalName), folded(u.Mail))
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.ID, err)
	}
	return nil
}

// GetUser returns a user by object id.
func (s *Store) GetUser(ctx context.Context, tenantID, id string) (*directory.User, error) {
	u, err := getDoc[directory.User](ctx, s.db, `SELECT doc FROM users WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", id, err)
	}
	return u, nil
}

// GetUserByUPN returns a user by userPrincipalName, case-insensitively.
func (s *Store) GetUserByUPN(ctx context.Context, tenantID, upn string) (*directory.User, error) {
	u, err := getDoc[directory.User](ctx, s.db, `SELECT doc FROM users WHERE tenant_id = ? AND upn = ?`, tenantID, folded(upn))
	if err != nil {
		return nil, fmt.Errorf("get user by userPrincipalName %s: %w", upn, err)
	}
	return u, nil
}

// GetUserByMail returns a user by mail, case-insensitively.
func (s *Store) GetUserByMail(ctx context.Context, tenantID, mail string) (*directory.User, error) {
	if mail == "" {
		return nil, fmt.Errorf("get user by mail: %w", store.ErrNotFound)
	}
	u, err := getDoc[directory.User](ctx, s.db, `SELECT doc FROM users WHERE tenant_id = ? AND mail = ?`, tenantID, folded(mail))
	if err != nil {
		return nil, fmt.Errorf("get user by mail %s: %w", mail, err)
	}
	return u, nil
}

// ListUsers returns the tenant's users.
func (s *Store) ListUsers(ctx context.Context, tenantID string) ([]*directory.User, error) {
	us, err := listDocs[directory.User](ctx, s.db, `SELECT doc FROM users WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// UpdateUser applies fn to the stored user atomically. A renamed
// userPrincipalName that another user holds is ErrConflict.
func (s *Store) UpdateUser(ctx context.Context, tenantID, id string, fn func(*directory.User) error) (*directory.User, error) {
	return updateDoc(ctx, s, directoryData, "update user "+id,
		`SELECT doc FROM users WHERE tenant_id = ? AND id = ?`, []any{tenantID, id},
		userKey, fn,
		func(tx *sql.Tx, u *directory.User, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET upn = ?, mail = ?, doc = ? WHERE tenant_id = ? AND id = ?`,
				folded(u.UserPrincipalName), folded(u.Mail), doc, tenantID, id)
			return err
		})
}

// DeleteUser deletes a user with its group memberships and the app role
// assignments it holds.
func (s *Store) DeleteUser(ctx context.Context, tenantID, id string) error {
	err := s.write(ctx, directoryData, func(tx *sql.Tx) error {
		if err := deleteRow(ctx, tx, `DELETE FROM users WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM group_members WHERE tenant_id = ? AND member_id = ?`, tenantID, id); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM role_assignments WHERE tenant_id = ? AND principal_id = ?`, tenantID, id); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM permission_grants WHERE tenant_id = ? AND principal_key = ?`, tenantID, id); err != nil {
			return err
		}
		_, err := deleteRows(ctx, tx, `DELETE FROM app_role_assignments WHERE tenant_id = ? AND principal_id = ?`, tenantID, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", id, err)
	}
	return nil
}
