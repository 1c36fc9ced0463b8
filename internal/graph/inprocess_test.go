package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
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
	actor := func(id string) registry.Actor {
		u, _ := reg.Reader().GetUser(ctx, devenv.TenantID, id)
		a, err := reg.FirstPartyUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	adele, alex := actor(devenv.AdminUserID), actor(devenv.DeveloperUserID)

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
	a, _ := reg.Reader().GetApplication(ctx, devenv.TenantID, devenv.AppObjectID)
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
	disabled := adele
	u := *adele.User
	u.AccountEnabled = false
	disabled.User = &u
	if _, gerr := g.Do(ctx, disabled, "GET", "applications", nil); gerr == nil || gerr.Status != 401 {
		t.Fatalf("disabled user: %v, want 401", gerr)
	}
}
