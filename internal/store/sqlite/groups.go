package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func groupKey(g *directory.Group) rowKey { return rowKey{g.TenantID, g.ID} }

// CreateGroup stores a group. Display names need not be unique (Entra).
func (s *Store) CreateGroup(ctx context.Context, g *directory.Group) error {
	err := s.insert(ctx, directoryData, `INSERT INTO groups (tenant_id, id, doc) VALUES (?, ?, ?)`, g, g.TenantID, g.ID)
	if err != nil {
		return fmt.Errorf("create group %s: %w", g.ID, err)
	}
	return nil
}

// GetGroup returns a group by object id.
func (s *Store) GetGroup(ctx context.Context, tenantID, id string) (*directory.Group, error) {
	g, err := getDoc[directory.Group](ctx, s.db, `SELECT doc FROM groups WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("get group %s: %w", id, err)
	}
	return g, nil
}

// ListGroups returns the tenant's groups.
func (s *Store) ListGroups(ctx context.Context, tenantID string) ([]*directory.Group, error) {
	gs, err := listDocs[directory.Group](ctx, s.db, `SELECT doc FROM groups WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return gs, nil
}

// UpdateGroup applies fn to the stored group atomically.
func (s *Store) UpdateGroup(ctx context.Context, tenantID, id string, fn func(*directory.Group) error) (*directory.Group, error) {
	return updateDoc(ctx, s, directoryData, "update group "+id,
		`SELECT doc FROM groups WHERE tenant_id = ? AND id = ?`, []any{tenantID, id},
		groupKey, fn,
		func(tx *sql.Tx, _ *directory.Group, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE groups SET doc = ? WHERE tenant_id = ? AND id = ?`, doc, tenantID, id)
			return err
		})
}

// DeleteGroup deletes a group with its memberships, both its members (the
// foreign key cascades) and its own membership in other groups, and the app
// role assignments it holds.
func (s *Store) DeleteGroup(ctx context.Context, tenantID, id string) error {
	err := s.write(ctx, directoryData, func(tx *sql.Tx) error {
		if err := deleteRow(ctx, tx, `DELETE FROM groups WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM group_members WHERE tenant_id = ? AND member_id = ?`, tenantID, id); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM role_assignments WHERE tenant_id = ? AND principal_id = ?`, tenantID, id); err != nil {
			return err
		}
		_, err := deleteRows(ctx, tx, `DELETE FROM app_role_assignments WHERE tenant_id = ? AND principal_id = ?`, tenantID, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete group %s: %w", id, err)
	}
	return nil
}

// AddGroupMember adds a direct member (any directory object id) to a group.
func (s *Store) AddGroupMember(ctx context.Context, tenantID, groupID, memberID string) error {
	err := s.write(ctx, directoryData, func(tx *sql.Tx) error {
		// One statement checks the group and inserts, so no delete can slip
		// between; the foreign key backs it up.
		res, err := tx.ExecContext(ctx, `INSERT INTO group_members (tenant_id, group_id, member_id)
			SELECT tenant_id, id, ? FROM groups WHERE tenant_id = ? AND id = ?`, memberID, tenantID, groupID)
		if err != nil {
			return conflict(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add member %s to group %s: %w", memberID, groupID, err)
	}
	return nil
}

// RemoveGroupMember removes a direct member; ErrNotFound if it is not one.
func (s *Store) RemoveGroupMember(ctx context.Context, tenantID, groupID, memberID string) error {
	err := s.deleteOne(ctx, directoryData, `DELETE FROM group_members WHERE tenant_id = ? AND group_id = ? AND member_id = ?`,
		tenantID, groupID, memberID)
	if err != nil {
		return fmt.Errorf("remove member %s from group %s: %w", memberID, groupID, err)
	}
	return nil
}

// ListGroupMembers returns the ids of a group's direct members, or
// ErrNotFound when the group does not exist.
func (s *Store) ListGroupMembers(ctx context.Context, tenantID, groupID string) ([]string, error) {
	// The outer join tells a missing group (no row) from an empty one (one
	// row with a NULL member) in a single consistent read.
	rows, err := s.db.QueryContext(ctx, `SELECT m.member_id FROM groups g
		LEFT JOIN group_members m ON m.tenant_id = g.tenant_id AND m.group_id = g.id
		WHERE g.tenant_id = ? AND g.id = ?
		ORDER BY m.member_id`, tenantID, groupID)
	if err != nil {
		return nil, fmt.Errorf("list members of group %s: %w", groupID, err)
	}
	defer rows.Close()
	var (
		found   bool
		members = []string{}
	)
	for rows.Next() {
		found = true
		var id sql.NullString
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list members of group %s: %w", groupID, err)
		}
		if id.Valid {
			members = append(members, id.String)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list members of group %s: %w", groupID, err)
	}
	if !found {
		return nil, fmt.Errorf("list members of group %s: %w", groupID, store.ErrNotFound)
	}
	return members, nil
}

// ListMemberOf returns the groups memberID belongs to directly. An unknown
// member simply belongs to none.
func (s *Store) ListMemberOf(ctx context.Context, tenantID, memberID string) ([]*directory.Group, error) {
	gs, err := listDocs[directory.Group](ctx, s.db, `SELECT g.doc FROM group_members m
		JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
		WHERE m.tenant_id = ? AND m.member_id = ?
		ORDER BY g.id`, tenantID, memberID)
	if err != nil {
		return nil, fmt.Errorf("list groups of member %s: %w", memberID, err)
	}
	return gs, nil
}
