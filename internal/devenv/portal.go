package devenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Fixed ids of the portal's app registration in the demo tenant. The portal
// has its own app (not eks), so the guide can be replayed on eks from a
// clean start while the portal demo already shows claims.
const (
	PortalAppObjectID = "7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
	PortalClientID    = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	PortalSPID        = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"
	PortalAppName     = "portal"
)

// PortalDemo is what `gatehouse dev` needs to start the portal.
type PortalDemo struct {
	ClientID     string
	ClientSecret string
}

const portalSecretFile = "portal-secret.json"

// EnsurePortalDemo registers (once) the portal app with the demo claims —
// default_namespace and picture, mapped by a claims mapping policy,
// acceptMappedClaims on — and (every start) points its redirect URIs and
// the demo users' picture URLs at the running listeners.
func EnsurePortalDemo(ctx context.Context, reg *registry.Registry, dataDir, httpBase string, portalBases []string) (*PortalDemo, error) {
	st := reg.Reader()
	sys := registry.System(TenantID, "seed")
	secretPath := filepath.Join(dataDir, portalSecretFile)
	demo := &PortalDemo{ClientID: PortalClientID}
	if _, err := st.GetApplication(ctx, TenantID, PortalAppObjectID); errors.Is(err, store.ErrNotFound) {
		secret, err := seedPortal(ctx, reg)
		if err != nil {
			return nil, fmt.Errorf("seed portal app: %w", err)
		}
		b, _ := json.Marshal(map[string]string{"client_secret": secret})
		if err := os.WriteFile(secretPath, b, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(secretPath)
	if err != nil {
		return nil, fmt.Errorf("portal app exists but %s is unreadable (start over with --reset): %w", secretPath, err)
	}
	var s map[string]string
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	demo.ClientSecret = s["client_secret"]

	var redirects []string
	for _, base := range portalBases {
		redirects = append(redirects, base+"/callback", base+"/signed-out")
	}
	if _, err := reg.UpdateApplication(ctx, sys, PortalAppObjectID, func(a *directory.Application) error {
		a.Web.RedirectURIs = redirects
		return nil
	}); err != nil {
		return nil, fmt.Errorf("portal redirect URIs: %w", err)
	}
	// The demo pictures are served by Gatehouse itself, so they load
	// without internet access; the URL follows the listener's port.
	picture := directory.ExtensionName(PortalClientID, "picture")
	if _, err := reg.UpdateUser(ctx, sys, AdminUserID, func(u *directory.User) error {
		if u.Extensions == nil {
			u.Extensions = map[string]any{}
		}
		u.Extensions[picture] = strings.TrimRight(httpBase, "/") + "/static/demo/adele.svg"
		return nil
	}); err != nil {
		return nil, err
	}
	return demo, nil
}

func seedPortal(ctx context.Context, reg *registry.Registry) (string, error) {
	sys := registry.System(TenantID, "seed")
	app, sp, err := reg.CreateApplication(ctx, sys, registry.ApplicationSpec{
		ID: PortalAppObjectID, AppID: PortalClientID, ServicePrincipalID: PortalSPID, DisplayName: PortalAppName,
		GroupMembershipClaims: directory.GroupClaimsSecurityGroup,
	}, nil)
	if err != nil {
		return "", err
	}
	// The demo users sign in to the portal without a consent page: the
	// seed consents for the organization, as an administrator would.
	if err := EnsureConsent(ctx, reg, sys, sp, "openid profile email offline_access User.Read"); err != nil {
		return "", err
	}
	secret, _, err := reg.AddPassword(ctx, sys, app.ID, "gatehouse dev portal", 0)
	if err != nil {
		return "", err
	}
	yes := true
	if _, err := reg.UpdateApplication(ctx, sys, app.ID, func(a *directory.Application) error {
		a.API.AcceptMappedClaims = &yes
		for i := range a.PasswordCredentials {
			a.PasswordCredentials[i].StartDateTime = a.PasswordCredentials[i].StartDateTime.AddDate(0, 0, -30)
		}
		return nil
	}); err != nil {
		return "", err
	}
	for _, name := range []string{"default_namespace", "picture"} {
		if _, err := reg.CreateExtensionProperty(ctx, sys, app.ID, registry.ExtensionSpec{Name: name, DataType: "String", TargetObjects: []string{"User"}}); err != nil {
			return "", err
		}
	}
	def, _ := json.Marshal(map[string]any{"ClaimsMappingPolicy": map[string]any{"Version": 1, "IncludeBasicClaimSet": "true",
		"ClaimsSchema": []map[string]string{
			{"Source": "user", "ExtensionID": directory.ExtensionName(PortalClientID, "default_namespace"), "JwtClaimType": "default_namespace"},
			{"Source": "user", "ExtensionID": directory.ExtensionName(PortalClientID, "picture"), "JwtClaimType": "picture"},
		}}})
	p, err := reg.CreatePolicy(ctx, sys, directory.PolicyClaimsMapping, registry.PolicySpec{DisplayName: "portal demo claims", Definition: []string{string(def)}})
	if err != nil {
		return "", err
	}
	if err := reg.AssignPolicy(ctx, sys, directory.PolicyClaimsMapping, p.ID, PortalSPID, "servicePrincipal"); err != nil {
		return "", err
	}
	ns := directory.ExtensionName(PortalClientID, "default_namespace")
	for user, value := range map[string]string{AdminUserID: "team-a", DeveloperUserID: "team-b"} {
		if _, err := reg.UpdateUser(ctx, sys, user, func(u *directory.User) error {
			if u.Extensions == nil {
				u.Extensions = map[string]any{}
			}
			u.Extensions[ns] = value
			return nil
		}); err != nil {
			return "", err
		}
	}
	return secret, nil
}
