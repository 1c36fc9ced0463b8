package devenv

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Fixed ids of the demo tenant, so docs and scripts can name them.
const (
	TenantID           = "8f1d3b2a-6c4e-4a57-9b1f-2d3c4e5f6a7b"
	TenantDomain       = "contoso.example"
	TenantName         = "Contoso (Gatehouse demo)"
	GraphSPID          = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	AppObjectID        = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
	AppClientID        = "6e5d4c3b-2a19-4f8e-8d7c-6b5a4f3e2d1c"
	AppSPID            = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	AppName            = "eks"
	AdminUserID        = "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b"
	DeveloperUserID    = "2a3b4c5d-6e7f-4809-9a1b-2c3d4e5f6a7b"
	PlatformGroupID    = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f70"
	PlatformGroupName  = "platform-engineers"
	DeveloperGroupID   = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a81"
	DeveloperGroupName = "developers"
)

// User is a demo user with its password, as dev.json lists it.
type User struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	Password          string `json:"password"`
	DisplayName       string `json:"displayName"`
}

// Secrets are the demo data's secrets. The store keeps only their hashes;
// dev mode keeps the plain values in the data directory (mode 0600) so that
// dev.json can show them again after a restart.
type Secrets struct {
	ClientSecret string `json:"client_secret"`
	Users        []User `json:"users"`
}

const secretsFile = "demo-secrets.json"

// Seed creates the demo tenant on first start and returns its secrets; on
// later starts it returns the saved secrets.
func Seed(ctx context.Context, reg *registry.Registry, dataDir string) (*Secrets, error) {
	path := filepath.Join(dataDir, secretsFile)
	if _, err := reg.Reader().GetTenant(ctx, TenantID); err == nil {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("demo tenant exists but %s is unreadable (start over with --reset): %w", path, err)
		}
		var s Secrets
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		return &s, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	s, err := seed(ctx, reg)
	if err != nil {
		return nil, fmt.Errorf("seed demo tenant: %w", err)
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	return s, nil
}

func seed(ctx context.Context, reg *registry.Registry) (*Secrets, error) {
	sys := registry.System(TenantID, "seed")
	if _, err := reg.CreateTenant(ctx, sys, registry.TenantSpec{ID: TenantID, DisplayName: TenantName,
		InitialDomain: TenantDomain, GraphServicePrincipalID: GraphSPID}); err != nil {
		return nil, err
	}
	perms := []directory.ResourceAccess{{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Type: "Scope"}} // User.Read
	for _, v := range []string{"Application.ReadWrite.All", "User.ReadWrite.All", "Policy.ReadWrite.ApplicationConfiguration"} {
		role, _ := directory.GraphAppRoleByValue(v)
		perms = append(perms, directory.ResourceAccess{ID: role.ID, Type: "Role"})
	}
	app, _, err := reg.CreateApplication(ctx, sys, registry.ApplicationSpec{
		ID: AppObjectID, AppID: AppClientID, ServicePrincipalID: AppSPID, DisplayName: AppName,
		WebRedirectURIs:        []string{"http://localhost:8000", "http://localhost:18000"},
		GroupMembershipClaims:  directory.GroupClaimsSecurityGroup,
		RequiredResourceAccess: []directory.RequiredResourceAccess{{ResourceAppID: directory.GraphAppID, ResourceAccess: perms}},
	}, nil)
	if err != nil {
		return nil, err
	}
	secret, _, err := reg.AddPassword(ctx, sys, app.ID, "gatehouse dev", 0)
	if err != nil {
		return nil, err
	}
	// The demo secret is valid from 30 days before the seed, so that a
	// restart with --time-offset (a clock in the past) still accepts it.
	if _, err := reg.UpdateApplication(ctx, sys, app.ID, func(a *directory.Application) error {
		for i := range a.PasswordCredentials {
			a.PasswordCredentials[i].StartDateTime = a.PasswordCredentials[i].StartDateTime.AddDate(0, 0, -30)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err := reg.GrantAdminConsent(ctx, sys, app.ID); err != nil {
		return nil, err
	}
	out := &Secrets{ClientSecret: secret}
	for _, spec := range []registry.UserSpec{
		{ID: AdminUserID, UserPrincipalName: "adele@" + TenantDomain, DisplayName: "Adele Vance", GivenName: "Adele",
			Surname: "Vance", Mail: "adele@" + TenantDomain, DirectoryRoles: []string{directory.RoleGlobalAdministrator}},
		{ID: DeveloperUserID, UserPrincipalName: "alex@" + TenantDomain, DisplayName: "Alex Wilber", GivenName: "Alex",
			Surname: "Wilber", Mail: "alex@" + TenantDomain},
	} {
		spec.Password = demoPassword()
		if _, err := reg.CreateUser(ctx, sys, spec); err != nil {
			return nil, err
		}
		out.Users = append(out.Users, User{ID: spec.ID, UserPrincipalName: spec.UserPrincipalName,
			Password: spec.Password, DisplayName: spec.DisplayName})
	}
	for _, g := range [][2]string{{PlatformGroupID, PlatformGroupName}, {DeveloperGroupID, DeveloperGroupName}} {
		if _, err := reg.CreateGroup(ctx, sys, registry.GroupSpec{ID: g[0], DisplayName: g[1], MailNickname: g[1]}); err != nil {
			return nil, err
		}
	}
	for _, m := range [][2]string{{PlatformGroupID, AdminUserID}, {DeveloperGroupID, DeveloperUserID}, {DeveloperGroupID, AdminUserID}} {
		if err := reg.AddGroupMember(ctx, sys, m[0], m[1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// demoPassword is readable enough to type and meets Entra's complexity rule.
func demoPassword() string {
	const letters = "abcdefghjkmnpqrstuvwxyz"
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return "Demo-" + string(b[:4]) + "-" + string(b[4:]) + "-7"
}

// RemoveData deletes a dev data directory's contents (--reset).
func RemoveData(dataDir string) error {
	entries, err := os.ReadDir(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dataDir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
