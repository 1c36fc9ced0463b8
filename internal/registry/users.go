package registry

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// UserSpec describes a new user.
type UserSpec struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
	GivenName         string
	Surname           string
	Mail              string
	Password          string
	// DirectoryRoles are role template ids to assign (a system or role
	// administrator actor only).
	DirectoryRoles  []string
	AccountDisabled bool
	// Extensions are directory extension values, validated by
	// ExtensionValues.
	Extensions map[string]any
}

// CreateUser creates a user with an argon2id password hash.
func (r *Registry) CreateUser(ctx context.Context, a Actor, spec UserSpec) (*directory.User, error) {
	u := &directory.User{
		TenantID: a.TenantID, ID: orNew(spec.ID), UserPrincipalName: spec.UserPrincipalName, DisplayName: spec.DisplayName,
		GivenName: spec.GivenName, Surname: spec.Surname, Mail: spec.Mail, AccountEnabled: !spec.AccountDisabled,
		CreatedAt: r.now(),
	}
	if len(spec.Extensions) > 0 {
		u.Extensions = maps.Clone(spec.Extensions)
	}
	err := r.change(ctx, a, "Add user", targets(userTarget(u)), func() error {
		if err := check(a, WriteUsers); err != nil {
			return err
		}
		if len(spec.DirectoryRoles) > 0 {
			if err := check(a, WriteRoles); err != nil {
				return err
			}
		}
		t, err := r.st.GetTenant(ctx, a.TenantID)
		if err != nil {
			return err
		}
		if err := directory.ValidateUser(u, []string{t.InitialDomain}); err != nil {
			return err
		}
		if err := r.checkAddresses(ctx, u); err != nil {
			return err
		}
		if spec.Password != "" {
			if err := directory.ValidatePassword(spec.Password); err != nil {
				return err
			}
			if u.PasswordHash, err = directory.HashPassword(spec.Password); err != nil {
				return err
			}
		}
		if err := r.st.CreateUser(ctx, u); err != nil {
			return userWriteError(err)
		}
		for _, role := range spec.DirectoryRoles {
			if err := r.createRoleAssignment(ctx, a, role, u.ID, "User"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// checkAddresses keeps one address for one user across the two properties
// that carry it: a user's mail may not be another user's sign-in name, nor
// their sign-in name another user's mail, as Entra keeps proxy addresses
// unique (the store enforces each property's own uniqueness).
func (r *Registry) checkAddresses(ctx context.Context, u *directory.User) error {
	if u.Mail != "" {
		if other, err := r.st.GetUserByUPN(ctx, u.TenantID, u.Mail); err == nil && other.ID != u.ID {
			return &UniquenessError{Property: "mail", Msg: "Another object with the same value for property mail already exists: it is the userPrincipalName of " + other.UserPrincipalName + "."}
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if other, err := r.st.GetUserByMail(ctx, u.TenantID, u.UserPrincipalName); err == nil && other.ID != u.ID {
		return &UniquenessError{Property: "userPrincipalName", Msg: "Another object with the same value for property userPrincipalName already exists: it is the mail of " + other.UserPrincipalName + "."}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// userWriteError names the unique key a user write collided on.
func userWriteError(err error) error {
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	prop := "userPrincipalName"
	if strings.Contains(err.Error(), ".mail") {
		prop = "mail"
	}
	return &UniquenessError{Property: prop, Msg: "Another object with the same value for property " + prop + " already exists."}
}

// UpdateUser applies fn to a user, validates the result and checks that
// the actor may make exactly the change fn made (authorizeUserChange). A
// new password revokes the user's sessions and refresh tokens.
func (r *Registry) UpdateUser(ctx context.Context, a Actor, id string, fn func(*directory.User) error) (*directory.User, error) {
	var out *directory.User
	tgt := store.AuditTarget{ID: id, Type: "user"}
	err := r.change(ctx, a, "Update user", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteUsers); err != nil {
			return err
		}
		t, err := r.st.GetTenant(ctx, a.TenantID)
		if err != nil {
			return err
		}
		cur, err := r.st.GetUser(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = cur.UserPrincipalName
		roles, err := r.DirectoryRoles(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		// What fn would change, checked before the write: the store's
		// transaction holds the writer.
		probe := cur.Clone()
		if err := fn(probe); err != nil {
			return err
		}
		if probe.Mail != cur.Mail || probe.UserPrincipalName != cur.UserPrincipalName {
			// Each property's own uniqueness is the store's.
			if err := r.checkAddresses(ctx, probe); err != nil {
				return err
			}
		}
		if cur.AccountEnabled && !probe.AccountEnabled {
			// Refused changes are refused as such, before the lockout check.
			if err := authorizeUserChange(a, roles, cur, probe); err != nil {
				return err
			}
			if err := r.keepOneGlobalAdmin(ctx, a.TenantID, id, ""); err != nil {
				return err
			}
		}
		out, err = r.st.UpdateUser(ctx, a.TenantID, id, func(u *directory.User) error {
			before := u.Clone()
			if err := fn(u); err != nil {
				return err
			}
			if err := authorizeUserChange(a, roles, before, u); err != nil {
				return err
			}
			if u.PasswordHash != before.PasswordHash {
				// Entra: a password reset revokes refresh tokens and sessions.
				u.SignInSessionsValidFrom = r.now()
			}
			return directory.ValidateUser(u, []string{t.InitialDomain})
		})
		return userWriteError(err)
	})
	return out, err
}

// userChange classifies what an update changed.
type userChange struct {
	password, sensitive, any bool
}

func diffUser(before, after *directory.User) userChange {
	c := userChange{password: before.PasswordHash != after.PasswordHash}
	c.sensitive = c.password || !strings.EqualFold(before.UserPrincipalName, after.UserPrincipalName) ||
		before.AccountEnabled != after.AccountEnabled || !strings.EqualFold(before.Mail, after.Mail) ||
		before.SignInSessionsValidFrom != after.SignInSessionsValidFrom
	c.any = c.sensitive || !reflect.DeepEqual(before, after)
	return c
}

// authorizeUserChange is Entra's rule for changing a user, on top of the
// WriteUsers permission:
//   - a user who holds a directory role is a protected account: only a
//     signed-in Global Administrator changes their password, sign-in name,
//     mail, enabled state or sessions (security review F6). Their profile
//     and extension values stay writable with User.ReadWrite.All, as in
//     Entra: the guide sets extension values with an app-only token;
//     claims mapping cannot turn them into a restricted claim;
//   - a password is set only by a delegated caller with
//     Directory.AccessAsUser.All, or by an application that holds the User
//     Administrator or Global Administrator role itself: User.ReadWrite.All
//     and Directory.ReadWrite.All alone do not reset passwords (S1).
func authorizeUserChange(a Actor, targetRoles []string, before, after *directory.User) error {
	c := diffUser(before, after)
	if a.Kind == ActorSystem || !c.any {
		return nil
	}
	isGA := a.Kind == ActorUser && a.HasRole(directory.RoleGlobalAdministrator)
	if privileged(targetRoles) && c.sensitive && !isGA {
		return deny("The user %s holds a directory role: only a Global Administrator may change their password, sign-in name, mail, enabled state or sessions.", before.UserPrincipalName)
	}
	if c.password {
		switch a.Kind {
		case ActorApp:
			if !a.HasRole(directory.RoleUserAdministrator, directory.RoleGlobalAdministrator) {
				return deny("Resetting a password needs the User Administrator role on the application, not only User.ReadWrite.All.")
			}
		case ActorUser:
			if !containsFold(a.Scopes, "Directory.AccessAsUser.All") {
				return deny("Resetting a password needs the delegated permission Directory.AccessAsUser.All.")
			}
		}
	}
	return nil
}

// DeleteUser deletes a user with their memberships, assignments and
// grants. A protected account is deleted only by a Global Administrator,
// and the tenant's last Global Administrator not at all.
func (r *Registry) DeleteUser(ctx context.Context, a Actor, id string) error {
	tgt := store.AuditTarget{ID: id, Type: "user"}
	return r.change(ctx, a, "Delete user", []store.AuditTarget{tgt}, func() error {
		if err := check(a, DeleteUsers); err != nil {
			return err
		}
		u, err := r.st.GetUser(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = u.UserPrincipalName
		roles, err := r.DirectoryRoles(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		if privileged(roles) && a.Kind != ActorSystem && !(a.Kind == ActorUser && a.HasRole(directory.RoleGlobalAdministrator)) {
			return deny("The user %s holds a directory role: only a Global Administrator may delete them.", u.UserPrincipalName)
		}
		if err := r.keepOneGlobalAdmin(ctx, a.TenantID, id, ""); err != nil {
			return err
		}
		return r.st.DeleteUser(ctx, a.TenantID, id)
	})
}

// RevokeSignInSessions invalidates every session and refresh token the
// user holds (Graph: POST /users/{id}/revokeSignInSessions).
func (r *Registry) RevokeSignInSessions(ctx context.Context, a Actor, id string) (*directory.User, error) {
	var out *directory.User
	tgt := store.AuditTarget{ID: id, Type: "user"}
	err := r.change(ctx, a, "Revoke sign-in sessions", []store.AuditTarget{tgt}, func() error {
		if err := check(a, RevokeSessions); err != nil {
			return err
		}
		u, err := r.st.GetUser(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = u.UserPrincipalName
		roles, err := r.DirectoryRoles(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		out, err = r.st.UpdateUser(ctx, a.TenantID, id, func(u *directory.User) error {
			before := u.Clone()
			u.SignInSessionsValidFrom = r.now()
			return authorizeUserChange(a, roles, before, u)
		})
		return err
	})
	return out, err
}
