package consent

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// grants is a tenant's stored delegated permission grants (Decide is a
// pure function of them).
type grants []*directory.PermissionGrant

func (g grants) ListPermissionGrants(_ context.Context, _ string, f store.PermissionGrantFilter) ([]*directory.PermissionGrant, error) {
	var out []*directory.PermissionGrant
	for _, x := range g {
		if f.ClientID == "" || x.ClientID == f.ClientID {
			out = append(out, x)
		}
	}
	return out, nil
}

const (
	alice, bob = "a11ce000-0000-4000-8000-000000000001", "b0b00000-0000-4000-8000-000000000002"
)

var (
	graphSP = &directory.ServicePrincipal{ID: "graph-sp", AppID: directory.GraphAppID, OAuth2PermissionScopes: []directory.PermissionScope{
		{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Value: "User.Read", Type: "User", IsEnabled: true},
		{ID: "0e263e50-5827-48a4-b97c-d940288653c7", Value: "Directory.AccessAsUser.All", Type: "Admin", IsEnabled: true},
		{ID: "11111111-0000-4000-8000-000000000000", Value: "Retired.All", Type: "User", IsEnabled: false},
	}}
	ordersSP = &directory.ServicePrincipal{ID: "orders-sp", AppID: "0dde0000-0000-4000-8000-000000000003"}
	client   = &directory.ServicePrincipal{ID: "client-sp", AppID: "c1e00000-0000-4000-8000-000000000004"}
	// clientApp declares Directory.AccessAsUser.All, as F1's attacker did.
	clientApp = &directory.Application{AppID: client.AppID, RequiredResourceAccess: []directory.RequiredResourceAccess{{
		ResourceAppID: directory.GraphAppID, ResourceAccess: []directory.ResourceAccess{{ID: "0e263e50-5827-48a4-b97c-d940288653c7", Type: "Scope"}}}}}
)

func grant(consentType, principal, resource, scope string) *directory.PermissionGrant {
	return &directory.PermissionGrant{ClientID: client.ID, ConsentType: consentType, PrincipalID: principal, ResourceID: resource, Scope: scope}
}

func TestDecide(t *testing.T) {
	allUserRead := grant(directory.ConsentAllPrincipals, "", graphSP.ID, "User.Read")
	aliceAdmin := grant(directory.ConsentPrincipal, alice, graphSP.ID, "User.Read Directory.AccessAsUser.All")
	aliceOrders := grant(directory.ConsentPrincipal, alice, ordersSP.ID, "")
	for _, tc := range []struct {
		name     string
		grants   grants
		user     string
		resource *directory.ServicePrincipal
		perms    []string
		oidc     []string
		want     Decision
		missing  []string // the prompt's permissions when consent is required
		admin    bool     // and whether only an administrator can give them
		unknown  bool
	}{
		{name: "nothing granted: openid needs consent", user: alice, resource: graphSP, oidc: []string{"openid"},
			missing: []string{"Directory.AccessAsUser.All", "openid"}, admin: true},
		{name: "nothing granted: a named user scope", user: alice, resource: graphSP, perms: []string{"User.Read"},
			missing: []string{"User.Read"}},
		{name: "nothing granted: .default asks for the declared admin scope", user: alice, resource: graphSP, perms: []string{".default"},
			missing: []string{"Directory.AccessAsUser.All"}, admin: true},
		{name: "tenant-wide User.Read: .default gets exactly it", grants: grants{allUserRead}, user: bob, resource: graphSP,
			perms: []string{".default"}, oidc: []string{"openid", "offline_access"},
			want: Decision{Scopes: []string{"User.Read"}, OIDC: []string{"openid", "offline_access"}}},
		{name: "tenant-wide User.Read: an admin scope still needs an administrator", grants: grants{allUserRead}, user: bob,
			resource: graphSP, perms: []string{"Directory.AccessAsUser.All"}, missing: []string{"Directory.AccessAsUser.All"}, admin: true},
		{name: "tenant-wide User.Read: a scope named in another case", grants: grants{allUserRead}, user: bob, resource: graphSP,
			perms: []string{"user.read"}, want: Decision{Scopes: []string{"User.Read"}}},
		{name: "alice's own consent is not bob's", grants: grants{aliceAdmin}, user: bob, resource: graphSP,
			perms: []string{"User.Read"}, missing: []string{"User.Read"}},
		{name: "alice's own consent", grants: grants{aliceAdmin}, user: alice, resource: graphSP,
			perms: []string{"Directory.AccessAsUser.All"}, oidc: []string{"openid"},
			want: Decision{Scopes: []string{"Directory.AccessAsUser.All"}, OIDC: []string{"openid"}}},
		{name: "a grant on another API consents to sign-in, not to Graph", grants: grants{aliceOrders}, user: alice,
			resource: graphSP, perms: []string{"User.Read"}, oidc: []string{"openid"}, missing: []string{"User.Read"}},
		{name: "a grant on another API: openid alone", grants: grants{aliceOrders}, user: alice, resource: ordersSP,
			oidc: []string{"openid"}, want: Decision{OIDC: []string{"openid"}}},
		{name: "a scope the resource does not expose", grants: grants{allUserRead}, user: alice, resource: graphSP,
			perms: []string{"Mail.Send"}, unknown: true},
		{name: "a disabled scope", grants: grants{grant(directory.ConsentAllPrincipals, "", graphSP.ID, "Retired.All")}, user: alice,
			resource: graphSP, perms: []string{"Retired.All"}, unknown: true},
		{name: "an OIDC scope name is no permission of the resource", grants: grants{allUserRead}, user: alice, resource: graphSP,
			perms: []string{"openid"}, unknown: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decide(context.Background(), tc.grants, Request{TenantID: "t", Client: client, ClientApp: clientApp,
				UserID: tc.user, Resource: tc.resource, Permissions: tc.perms, OIDC: tc.oidc})
			var req *RequiredError
			var unk *UnknownScopeError
			switch {
			case tc.unknown:
				if !errors.As(err, &unk) {
					t.Fatalf("got %v, %v; want an unknown scope", d, err)
				}
			case tc.missing != nil:
				if !errors.As(err, &req) {
					t.Fatalf("got %v, %v; want consent required for %v", d, err, tc.missing)
				}
				var got []string
				for _, p := range req.Missing {
					got = append(got, p.Value)
				}
				if !slices.Equal(got, tc.missing) || req.AdminRequired != tc.admin {
					t.Fatalf("prompt lists %v (admin %v), want %v (admin %v)", got, req.AdminRequired, tc.missing, tc.admin)
				}
			default:
				if err != nil || !slices.Equal(d.Scopes, tc.want.Scopes) || !slices.Equal(d.OIDC, tc.want.OIDC) {
					t.Fatalf("got %+v, %v; want %+v", d, err, tc.want)
				}
			}
		})
	}
}

func TestAssigned(t *testing.T) {
	sp := &directory.ServicePrincipal{ID: "sp", TenantID: "t", AppRoleAssignmentRequired: true}
	rd := assignments{{PrincipalID: "group-1", ResourceID: "sp"}, {PrincipalID: alice, ResourceID: "sp"}}
	for _, tc := range []struct {
		user   string
		groups []string
		want   bool
	}{{alice, nil, true}, {bob, nil, false}, {bob, []string{"group-1"}, true}, {bob, []string{"group-2"}, false}} {
		if got, err := Assigned(context.Background(), rd, sp, tc.user, tc.groups); err != nil || got != tc.want {
			t.Errorf("user %s groups %v: %v, %v; want %v", tc.user, tc.groups, got, err, tc.want)
		}
	}
	open := &directory.ServicePrincipal{ID: "open"}
	if ok, _ := Assigned(context.Background(), assignments{}, open, bob, nil); !ok {
		t.Error("an app without appRoleAssignmentRequired refused an unassigned user")
	}
}

type assignments []*directory.AppRoleAssignment

func (a assignments) ListAppRoleAssignmentsByResource(context.Context, string, string) ([]*directory.AppRoleAssignment, error) {
	return a, nil
}
