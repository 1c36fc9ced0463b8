package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// newInProcess is Graph called in-process (Server.Do) over the demo tenant.
func newInProcess(t *testing.T) (*graph.Server, *registry.Registry) {
	t.Helper()
	e := testenv.Start(t)
	g, err := graph.New(graph.Config{Registry: e.Registry, Keys: e.Keys, PublicURLs: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatalf("graph.New: %v", err)
	}
	return g, e.Registry
}

func TestDoAppliesTheRoutePermission(t *testing.T) {
	g, reg := newInProcess(t)
	ctx := context.Background()
	adele, _ := reg.Store().GetUser(ctx, devenv.TenantID, devenv.AdminUserID)
	alex, _ := reg.Store().GetUser(ctx, devenv.TenantID, devenv.DeveloperUserID)

	// Any user may read, as with a delegated token.
	resp, gerr := g.Do(ctx, alex, "GET", "applications/"+devenv.AppObjectID+"?$select=displayName", nil)
	if gerr != nil || resp.Status != http.StatusOK {
		t.Fatalf("alex GET application: %v, want 200", gerr)
	}
	var app map[string]any
	json.Unmarshal(resp.Body, &app)
	if app["displayName"] != devenv.AppName {
		t.Fatalf("displayName = %v, want %q", app["displayName"], devenv.AppName)
	}

	patch := []byte(`{"api":{"acceptMappedClaims":true}}`)
	if _, gerr := g.Do(ctx, alex, "PATCH", "applications/"+devenv.AppObjectID, patch); gerr == nil || gerr.Code != "Authorization_RequestDenied" || gerr.Status != 403 {
		t.Fatalf("alex PATCH = %v, want 403 Authorization_RequestDenied", gerr)
	}
	resp, gerr = g.Do(ctx, adele, "PATCH", "/v1.0/applications/"+devenv.AppObjectID, patch)
	if gerr != nil || resp.Status != http.StatusNoContent {
		t.Fatalf("adele PATCH: %v, want 204", gerr)
	}
	a, _ := reg.Store().GetApplication(ctx, devenv.TenantID, devenv.AppObjectID)
	if a.API.AcceptMappedClaims == nil || !*a.API.AcceptMappedClaims {
		t.Fatalf("acceptMappedClaims not set by the in-process PATCH")
	}

	// Graph's own validation and messages.
	if _, gerr := g.Do(ctx, adele, "PATCH", "applications/"+devenv.AppObjectID, []byte(`{"colour":"red"}`)); gerr == nil || gerr.Status != 400 {
		t.Fatalf("unknown property: %v, want 400", gerr)
	}
	if _, gerr := g.Do(ctx, adele, "GET", "widgets", nil); gerr == nil || gerr.Status != 400 {
		t.Fatalf("unknown resource: %v, want 400", gerr)
	}
	disabled := *adele
	disabled.AccountEnabled = false
	if _, gerr := g.Do(ctx, &disabled, "GET", "applications", nil); gerr == nil || gerr.Status != 401 {
		t.Fatalf("disabled user: %v, want 401", gerr)
	}
}

func TestAllowedByDirectoryRole(t *testing.T) {
	user := func(roles ...string) *directory.User {
		return &directory.User{TenantID: devenv.TenantID, ID: "u", AccountEnabled: true, DirectoryRoles: roles}
	}
	tests := []struct {
		name string
		user *directory.User
		op   graph.Operation
		want bool
	}{
		{"global admin writes apps", user(directory.RoleGlobalAdministrator), graph.WriteApplications, true},
		{"global admin consents", user(directory.RoleGlobalAdministrator), graph.AssignAppRoles, true},
		{"app admin writes apps", user(directory.RoleApplicationAdministrator), graph.WriteApplications, true},
		{"app admin writes policies", user(directory.RoleApplicationAdministrator), graph.WritePolicies, true},
		{"app admin cannot consent to app roles", user(directory.RoleApplicationAdministrator), graph.AssignAppRoles, false},
		{"cloud app admin cannot write users", user(directory.RoleCloudApplicationAdministrator), graph.WriteUsers, false},
		{"user admin writes users", user(directory.RoleUserAdministrator), graph.WriteUsers, true},
		{"user admin writes members", user(directory.RoleUserAdministrator), graph.WriteGroupMembers, true},
		{"user admin cannot write apps", user(directory.RoleUserAdministrator), graph.WriteApplications, false},
		{"no role reads", user(), graph.ReadApplications, true},
		{"no role cannot write", user(), graph.WriteUsers, false},
		{"nobody", nil, graph.ReadApplications, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := graph.Allowed(tt.user, tt.op); got != tt.want {
				t.Fatalf("Allowed = %v, want %v", got, tt.want)
			}
		})
	}
}
