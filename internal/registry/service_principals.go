package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// CreateServicePrincipal creates the service principal of an application
// registered in the tenant (Graph: POST /servicePrincipals {"appId"}).
// patch, when not nil, sets what the request gave (accountEnabled,
// appRoleAssignmentRequired) before the principal is stored.
func (r *Registry) CreateServicePrincipal(ctx context.Context, a Actor, appID string, patch func(*directory.ServicePrincipal) error) (*directory.ServicePrincipal, error) {
	var sp *directory.ServicePrincipal
	tgt := store.AuditTarget{Type: "servicePrincipal", DisplayName: appID}
	err := r.change(ctx, a, "Add service principal", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteApplications); err != nil {
			return err
		}
		if err := authorizeFirstParty(a, appID); err != nil {
			return err
		}
		app, err := r.st.GetApplicationByAppID(ctx, a.TenantID, strings.ToLower(appID))
		if err != nil {
			return badRequest("The appId '%s' of the service principal does not reference a valid application object.", appID)
		}
		sp = newServicePrincipal(app, directory.NewID(), r.now())
		if patch != nil {
			if err := patch(sp); err != nil {
				return err
			}
		}
		tgt.ID, tgt.DisplayName = sp.ID, sp.DisplayName
		if err := r.st.CreateServicePrincipal(ctx, sp); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &UniquenessError{Property: "servicePrincipalNames", Msg: fmt.Sprintf(
					"The service principal cannot be created, updated, or restored because the service principal name %s is already in use.", app.AppID)}
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sp, nil
}

// UpdateServicePrincipal applies fn to a service principal. Its names,
// appId and scopes follow its application and cannot be changed here.
func (r *Registry) UpdateServicePrincipal(ctx context.Context, a Actor, id string, fn func(*directory.ServicePrincipal) error) (*directory.ServicePrincipal, error) {
	var out *directory.ServicePrincipal
	tgt := store.AuditTarget{ID: id, Type: "servicePrincipal"}
	err := r.change(ctx, a, "Update service principal", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteApplications); err != nil {
			return err
		}
		cur, err := r.st.GetServicePrincipal(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = cur.DisplayName
		if err := authorizeFirstParty(a, cur.AppID); err != nil {
			return err
		}
		out, err = r.st.UpdateServicePrincipal(ctx, a.TenantID, id, func(sp *directory.ServicePrincipal) error {
			appID, names := sp.AppID, strings.Join(sp.ServicePrincipalNames, " ")
			if err := fn(sp); err != nil {
				return err
			}
			if sp.AppID != appID || strings.Join(sp.ServicePrincipalNames, " ") != names {
				return badRequest("Properties 'appId' and 'servicePrincipalNames' follow the application and cannot be changed.")
			}
			return nil
		})
		return err
	})
	return out, err
}

// DeleteServicePrincipal deletes a service principal, with the grants and
// assignments that name it.
func (r *Registry) DeleteServicePrincipal(ctx context.Context, a Actor, id string) error {
	tgt := store.AuditTarget{ID: id, Type: "servicePrincipal"}
	return r.change(ctx, a, "Remove service principal", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteApplications); err != nil {
			return err
		}
		sp, err := r.st.GetServicePrincipal(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = sp.DisplayName
		if err := authorizeFirstParty(a, sp.AppID); err != nil {
			return err
		}
		return r.st.DeleteServicePrincipal(ctx, a.TenantID, id)
	})
}

// DefaultAccessRoleID is the app role id of an assignment to an
// application that defines no app roles ("Default Access").
const DefaultAccessRoleID = "00000000-0000-0000-0000-000000000000"

// AppRoleAssignmentSpec describes an app role to grant.
type AppRoleAssignmentSpec struct {
	PrincipalID string
	ResourceID  string
	AppRoleID   string
}

const msgAssignmentExists = "Permission being assigned already exists on the object."

// AssignAppRole grants an app role of a resource to a service principal
// (an application permission: Graph's way of giving admin consent to one
// app role), a user or a group (assignment to an application, which
// appRoleAssignmentRequired checks at sign-in).
func (r *Registry) AssignAppRole(ctx context.Context, a Actor, spec AppRoleAssignmentSpec) (*directory.AppRoleAssignment, error) {
	var out *directory.AppRoleAssignment
	tgt := store.AuditTarget{ID: spec.PrincipalID, Type: "principal"}
	err := r.change(ctx, a, "Add app role assignment", []store.AuditTarget{tgt}, func() error {
		if err := check(a, AssignAppRoles); err != nil {
			return err
		}
		resource, err := r.st.GetServicePrincipal(ctx, a.TenantID, strings.ToLower(spec.ResourceID))
		if err != nil {
			return fmt.Errorf("resource %s: %w", spec.ResourceID, err)
		}
		if err := authorizeAppRoleGrant(a, resource); err != nil {
			return err
		}
		// Microsoft Graph takes grants of its permissions; the admin
		// centre, Gatehouse's own first-party app, takes no assignments.
		if strings.EqualFold(resource.AppID, directory.AdminCentreAppID) {
			if err := authorizeFirstParty(a, resource.AppID); err != nil {
				return err
			}
		}
		ptype, name, err := r.principalKind(ctx, a.TenantID, strings.ToLower(spec.PrincipalID))
		if err != nil {
			return err
		}
		tgt.Type, tgt.DisplayName = ptype, name
		roleID := strings.ToLower(spec.AppRoleID)
		if roleID != DefaultAccessRoleID {
			role, ok := findRole(resource.AppRoles, roleID)
			if !ok || !role.IsEnabled {
				return badRequest("Permission being assigned was not found on application '%s'.", resource.AppID)
			}
			member := map[string]string{"servicePrincipal": "Application", "user": "User", "group": "User"}[ptype]
			if !containsFold(role.AllowedMemberTypes, member) {
				return badRequest("The app role %s of %s cannot be assigned to a %s.", role.Value, resource.DisplayName, ptype)
			}
			roleID = role.ID
		} else if ptype == "servicePrincipal" {
			return badRequest("Permission being assigned was not found on application '%s'.", resource.AppID)
		}
		out = &directory.AppRoleAssignment{TenantID: a.TenantID, ID: directory.NewID(), PrincipalID: strings.ToLower(spec.PrincipalID),
			PrincipalType: map[string]string{"servicePrincipal": "ServicePrincipal", "user": "User", "group": "Group"}[ptype],
			ResourceID:    resource.ID, AppRoleID: roleID, CreatedAt: r.now()}
		if err := r.st.CreateAppRoleAssignment(ctx, out); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return badRequest(msgAssignmentExists)
			}
			return err
		}
		return nil
	})
	return out, err
}

// RemoveAppRoleAssignment deletes an app role assignment a principal holds.
func (r *Registry) RemoveAppRoleAssignment(ctx context.Context, a Actor, principalID, id string) error {
	tgt := store.AuditTarget{ID: principalID, Type: "principal"}
	return r.change(ctx, a, "Remove app role assignment", []store.AuditTarget{tgt}, func() error {
		if err := check(a, AssignAppRoles); err != nil {
			return err
		}
		list, err := r.st.ListAppRoleAssignmentsByPrincipal(ctx, a.TenantID, principalID)
		if err != nil {
			return err
		}
		for _, as := range list {
			if strings.EqualFold(as.ID, id) {
				resource, err := r.st.GetServicePrincipal(ctx, a.TenantID, as.ResourceID)
				if err == nil {
					if err := authorizeAppRoleGrant(a, resource); err != nil {
						return err
					}
				}
				return r.st.DeleteAppRoleAssignment(ctx, a.TenantID, as.ID)
			}
		}
		return fmt.Errorf("app role assignment %s: %w", id, store.ErrNotFound)
	})
}

// principalKind says what a directory object id names: "user", "group" or
// "servicePrincipal", with its display name.
func (r *Registry) principalKind(ctx context.Context, tenantID, id string) (string, string, error) {
	if u, err := r.st.GetUser(ctx, tenantID, id); err == nil {
		return "user", u.UserPrincipalName, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", "", err
	}
	if g, err := r.st.GetGroup(ctx, tenantID, id); err == nil {
		return "group", g.DisplayName, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", "", err
	}
	sp, err := r.st.GetServicePrincipal(ctx, tenantID, id)
	if err != nil {
		return "", "", fmt.Errorf("directory object %s: %w", id, err)
	}
	return "servicePrincipal", sp.DisplayName, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
