package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// ActorKind says who an Actor is.
type ActorKind int

// Actor kinds.
const (
	// ActorSystem is Gatehouse itself: the dev seed, `gatehouse admin
	// create`, start-up repairs. It passes every permission check (never
	// the directory's validation) and is the only actor that may change
	// first-party applications or create tenants.
	ActorSystem ActorKind = iota + 1
	// ActorUser is a signed-in user acting through a client (a delegated
	// token, or the admin centre): limited both by the client's delegated
	// permissions (Scopes) and by the user's directory roles.
	ActorUser
	// ActorApp is an application acting as itself (an app-only token):
	// limited by the application permissions consented to it.
	ActorApp
)

// Actor is who reads or changes the directory, with what the registry
// needs to decide: their permissions and roles as the store has them now,
// never as a token claimed them.
type Actor struct {
	TenantID string
	Kind     ActorKind
	// User is the signed-in user (ActorUser).
	User *directory.User
	// App is the client's service principal: the calling app for
	// ActorApp; for ActorUser the client the user signed in to, nil for a
	// first-party client (the admin centre).
	App *directory.ServicePrincipal
	// AppPermissions are the Microsoft Graph application permissions the
	// app holds now (ActorApp): its consented app roles, intersected with
	// the token's roles.
	AppPermissions []string
	// Scopes are the delegated permissions of the user's token (ActorUser).
	Scopes []string
	// Roles are the directory role template ids the user or app holds,
	// directly or through a role-assignable group.
	Roles []string

	// What the audit log says about the call.
	Via       string // "Graph API", "admin centre", "sign-in", "command line", "seed"
	IPAddress string
	Request   string // e.g. "PATCH /v1.0/users/{id}"
	Activity  string // overrides the registry's words for the change
}

// System returns the actor for changes Gatehouse makes itself.
func System(tenantID, via string) Actor {
	return Actor{TenantID: tenantID, Kind: ActorSystem, Via: via}
}

// Describe returns a copy of a with the audit details of one call.
func (a Actor) Describe(via, request, ip, activity string) Actor {
	a.Via, a.Request, a.IPAddress, a.Activity = via, request, ip, activity
	return a
}

// HasRole reports whether the actor holds one of the roles.
func (a Actor) HasRole(roles ...string) bool {
	for _, r := range roles {
		if slices.ContainsFunc(a.Roles, func(h string) bool { return strings.EqualFold(h, r) }) {
			return true
		}
	}
	return false
}

// firstPartyScopes are the delegated permissions of a first-party client
// such as the admin centre: full directory access as the user, so that the
// user's directory roles alone decide what may be changed.
var firstPartyScopes = []string{"Directory.AccessAsUser.All"}

// UserActor loads the actor for a user acting through a client: the user
// must exist and be enabled, and so must the client's service principal
// (clientAppID "" is a first-party client, which holds
// Directory.AccessAsUser.All). A missing or disabled user or client is
// ErrActorInvalid.
func (r *Registry) UserActor(ctx context.Context, tenantID, userID, clientAppID string, scopes []string) (Actor, error) {
	u, err := r.st.GetUser(ctx, tenantID, userID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !u.AccountEnabled {
		return Actor{}, ErrActorInvalid
	}
	if err != nil {
		return Actor{}, err
	}
	a := Actor{TenantID: tenantID, Kind: ActorUser, User: u, Scopes: scopes}
	if clientAppID == "" || directory.IsFirstPartyApp(clientAppID) {
		if clientAppID == "" {
			a.Scopes = firstPartyScopes
		}
	} else {
		sp, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, strings.ToLower(clientAppID))
		if errors.Is(err, store.ErrNotFound) || err == nil && !sp.AccountEnabled {
			return Actor{}, ErrActorInvalid
		}
		if err != nil {
			return Actor{}, err
		}
		a.App = sp
	}
	if a.Roles, err = r.DirectoryRoles(ctx, tenantID, u.ID); err != nil {
		return Actor{}, err
	}
	return a, nil
}

// FirstPartyUser is UserActor for a user of the admin centre.
func (r *Registry) FirstPartyUser(ctx context.Context, u *directory.User) (Actor, error) {
	if u == nil {
		return Actor{}, ErrActorInvalid
	}
	return r.UserActor(ctx, u.TenantID, u.ID, "", nil)
}

// AppActor loads the actor for an application acting as itself. Its
// service principal must exist and be enabled (ErrActorInvalid), and its
// permissions are what is consented to it now: a token's roles that were
// withdrawn since it was issued count for nothing (security review S6).
func (r *Registry) AppActor(ctx context.Context, tenantID, appID string, tokenRoles []string) (Actor, error) {
	sp, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, strings.ToLower(appID))
	if errors.Is(err, store.ErrNotFound) || err == nil && !sp.AccountEnabled {
		return Actor{}, ErrActorInvalid
	}
	if err != nil {
		return Actor{}, err
	}
	graph, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, directory.GraphAppID)
	if err != nil {
		return Actor{}, fmt.Errorf("Microsoft Graph service principal: %w", err)
	}
	held, err := r.ConsentedAppRoles(ctx, tenantID, sp.ID, graph)
	if err != nil {
		return Actor{}, err
	}
	a := Actor{TenantID: tenantID, Kind: ActorApp, App: sp}
	for _, p := range tokenRoles {
		if slices.Contains(held, p) {
			a.AppPermissions = append(a.AppPermissions, p)
		}
	}
	if a.Roles, err = r.DirectoryRoles(ctx, tenantID, sp.ID); err != nil {
		return Actor{}, err
	}
	return a, nil
}

// DirectoryRoles returns the role template ids a principal holds: its own
// role assignments and those of the role-assignable groups it is a direct
// member of (Entra does not nest role-assignable groups).
func (r *Registry) DirectoryRoles(ctx context.Context, tenantID, principalID string) ([]string, error) {
	own, err := r.st.ListRoleAssignments(ctx, tenantID, store.RoleAssignmentFilter{PrincipalID: principalID})
	if err != nil {
		return nil, err
	}
	var roles []string
	add := func(as []*directory.RoleAssignment) {
		for _, a := range as {
			if !slices.Contains(roles, a.RoleDefinitionID) {
				roles = append(roles, a.RoleDefinitionID)
			}
		}
	}
	add(own)
	groups, err := r.st.ListMemberOf(ctx, tenantID, principalID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if !g.IsAssignableToRole {
			continue
		}
		viaGroup, err := r.st.ListRoleAssignments(ctx, tenantID, store.RoleAssignmentFilter{PrincipalID: g.ID})
		if err != nil {
			return nil, err
		}
		add(viaGroup)
	}
	return roles, nil
}
