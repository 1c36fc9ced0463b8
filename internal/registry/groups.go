package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// GroupSpec describes a new security group.
type GroupSpec struct {
	ID, DisplayName, MailNickname, Description string
	// SecurityDisabled creates a group with securityEnabled false.
	SecurityDisabled bool
	// IsAssignableToRole creates a group that may hold directory roles;
	// Entra lets only Global and Privileged Role Administrators create and
	// manage those, since their members gain the roles.
	IsAssignableToRole bool
}

// CreateGroup creates a security group.
func (r *Registry) CreateGroup(ctx context.Context, a Actor, spec GroupSpec) (*directory.Group, error) {
	g := &directory.Group{TenantID: a.TenantID, ID: orNew(spec.ID), DisplayName: spec.DisplayName, MailNickname: spec.MailNickname,
		Description: spec.Description, SecurityEnabled: !spec.SecurityDisabled, IsAssignableToRole: spec.IsAssignableToRole, CreatedAt: r.now()}
	err := r.change(ctx, a, "Add group", targets(groupTarget(g)), func() error {
		if err := check(a, WriteGroups); err != nil {
			return err
		}
		if err := authorizeRoleAssignableGroup(a, g); err != nil {
			return err
		}
		if err := directory.ValidateGroup(g); err != nil {
			return err
		}
		return r.st.CreateGroup(ctx, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func authorizeRoleAssignableGroup(a Actor, g *directory.Group) error {
	if g.IsAssignableToRole && a.Kind == ActorUser && !a.HasRole(roleAdmins...) {
		return deny("The group %s can hold directory roles: only a Global or Privileged Role Administrator manages it.", g.DisplayName)
	}
	if g.IsAssignableToRole && a.Kind == ActorApp && !overlaps(a.AppPermissions, []string{"RoleManagement.ReadWrite.Directory"}) {
		return deny("The group %s can hold directory roles: managing it needs RoleManagement.ReadWrite.Directory.", g.DisplayName)
	}
	return nil
}

// UpdateGroup applies fn to a group; isAssignableToRole cannot change.
func (r *Registry) UpdateGroup(ctx context.Context, a Actor, id string, fn func(*directory.Group) error) (*directory.Group, error) {
	var out *directory.Group
	tgt := store.AuditTarget{ID: id, Type: "group"}
	err := r.change(ctx, a, "Update group", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteGroups); err != nil {
			return err
		}
		cur, err := r.st.GetGroup(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = cur.DisplayName
		if err := authorizeRoleAssignableGroup(a, cur); err != nil {
			return err
		}
		out, err = r.st.UpdateGroup(ctx, a.TenantID, id, func(g *directory.Group) error {
			assignable := g.IsAssignableToRole
			if err := fn(g); err != nil {
				return err
			}
			if g.IsAssignableToRole != assignable {
				return badRequest("Property 'isAssignableToRole' is set when a group is created and cannot change.")
			}
			return directory.ValidateGroup(g)
		})
		return err
	})
	return out, err
}

// DeleteGroup deletes a group with its memberships and assignments.
func (r *Registry) DeleteGroup(ctx context.Context, a Actor, id string) error {
	tgt := store.AuditTarget{ID: id, Type: "group"}
	return r.change(ctx, a, "Delete group", []store.AuditTarget{tgt}, func() error {
		if err := check(a, DeleteGroups); err != nil {
			return err
		}
		g, err := r.st.GetGroup(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = g.DisplayName
		if err := authorizeRoleAssignableGroup(a, g); err != nil {
			return err
		}
		return r.st.DeleteGroup(ctx, a.TenantID, id)
	})
}

// MaxGroupNesting bounds how deep groups nest: adding a member that would
// make a chain longer is refused, and transitive memberships stop there.
// Entra documents no limit for security groups; without one a chain of
// thousands of groups would cost every token of its members (security
// review S8).
const MaxGroupNesting = 16

// AddGroupMember adds a user, group or service principal to a group. A
// group cannot contain itself, directly or through others, and a
// role-assignable group holds no groups.
func (r *Registry) AddGroupMember(ctx context.Context, a Actor, groupID, memberID string) error {
	groupID, memberID = strings.ToLower(groupID), strings.ToLower(memberID)
	tgt := store.AuditTarget{ID: groupID, Type: "group"}
	return r.change(ctx, a, "Add member to group", []store.AuditTarget{tgt, {ID: memberID, Type: "directoryObject"}}, func() error {
		if err := check(a, WriteGroupMembers); err != nil {
			return err
		}
		g, err := r.st.GetGroup(ctx, a.TenantID, groupID)
		if err != nil {
			return err
		}
		tgt.DisplayName = g.DisplayName
		if err := authorizeRoleAssignableGroup(a, g); err != nil {
			return err
		}
		kind, _, err := r.principalKind(ctx, a.TenantID, memberID)
		if err != nil {
			return err
		}
		if kind == "group" {
			if g.IsAssignableToRole {
				return badRequest("A role-assignable group cannot have groups as members.")
			}
			if err := r.checkNesting(ctx, a.TenantID, groupID, memberID); err != nil {
				return err
			}
		}
		err = r.st.AddGroupMember(ctx, a.TenantID, groupID, memberID)
		if errors.Is(err, store.ErrConflict) {
			return badRequest("One or more added object references already exist for the following modified properties: 'members'.")
		}
		return err
	})
}

// checkNesting refuses a membership that would close a cycle or nest
// groups deeper than MaxGroupNesting.
func (r *Registry) checkNesting(ctx context.Context, tenantID, groupID, memberID string) error {
	if groupID == memberID {
		return badRequest("A group cannot be a member of itself.")
	}
	// The member's own nesting below it ...
	below, err := r.depthBelow(ctx, tenantID, memberID, groupID)
	if err != nil {
		return err
	}
	// ... plus the group's nesting above it.
	above := 0
	level := []string{groupID}
	seen := map[string]bool{groupID: true}
	for len(level) > 0 && above <= MaxGroupNesting {
		var next []string
		for _, id := range level {
			parents, err := r.st.ListMemberOf(ctx, tenantID, id)
			if err != nil {
				return err
			}
			for _, p := range parents {
				if !seen[p.ID] {
					seen[p.ID] = true
					next = append(next, p.ID)
				}
			}
		}
		if len(next) > 0 {
			above++
		}
		level = next
	}
	if above+below+1 > MaxGroupNesting {
		return badRequest("Groups may nest at most %d deep.", MaxGroupNesting)
	}
	return nil
}

// depthBelow is how many levels of groups sit below root; reaching forbid
// there is a cycle.
func (r *Registry) depthBelow(ctx context.Context, tenantID, root, forbid string) (int, error) {
	depth := 0
	level := []string{root}
	seen := map[string]bool{root: true}
	for len(level) > 0 {
		var next []string
		for _, id := range level {
			members, err := r.st.ListGroupMembers(ctx, tenantID, id)
			if err != nil {
				return 0, err
			}
			for _, m := range members {
				if m == forbid {
					return 0, badRequest("Adding the group would make it a member of itself.")
				}
				if seen[m] {
					continue
				}
				if _, err := r.st.GetGroup(ctx, tenantID, m); err == nil {
					seen[m] = true
					next = append(next, m)
				}
			}
		}
		if len(next) > 0 {
			depth++
		}
		if depth > MaxGroupNesting {
			return depth, nil
		}
		level = next
	}
	return depth, nil
}

// RemoveGroupMember removes a direct member.
func (r *Registry) RemoveGroupMember(ctx context.Context, a Actor, groupID, memberID string) error {
	tgt := store.AuditTarget{ID: groupID, Type: "group"}
	return r.change(ctx, a, "Remove member from group", []store.AuditTarget{tgt, {ID: memberID, Type: "directoryObject"}}, func() error {
		if err := check(a, WriteGroupMembers); err != nil {
			return err
		}
		g, err := r.st.GetGroup(ctx, a.TenantID, groupID)
		if err != nil {
			return err
		}
		tgt.DisplayName = g.DisplayName
		if err := authorizeRoleAssignableGroup(a, g); err != nil {
			return err
		}
		if err := r.st.RemoveGroupMember(ctx, a.TenantID, groupID, strings.ToLower(memberID)); err != nil {
			return fmt.Errorf("member %s: %w", memberID, err)
		}
		return nil
	})
}
