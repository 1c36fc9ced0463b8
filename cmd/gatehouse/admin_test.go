package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
)

func TestAdminCreate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out bytes.Buffer
	err := runAdminCreate(ctx, []string{"--data", dir, "--tenant", "fabrikam.example", "--upn", "root@fabrikam.example",
		"--display-name", "Root", "--admin-url", "https://admin.fabrikam.example/", "--log-level", "error"}, strings.NewReader(""), &out)
	if err != nil {
		t.Fatalf("admin create: %v", err)
	}
	m := regexp.MustCompile(`Password \(shown once\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no generated password in the output:\n%s", out.String())
	}
	// A second administrator with a password from standard input.
	out.Reset()
	if err := runAdminCreate(ctx, []string{"--data", dir, "--tenant", "fabrikam.example", "--upn", "second@fabrikam.example",
		"--display-name", "Second", "--password-stdin", "--log-level", "error"}, strings.NewReader("Typed-Pa55word\n"), &out); err != nil {
		t.Fatalf("admin create --password-stdin: %v", err)
	}
	if strings.Contains(out.String(), "Typed-Pa55word") || strings.Contains(out.String(), "Password") {
		t.Fatalf("a typed password must not be printed:\n%s", out.String())
	}
	if err := runAdminCreate(ctx, []string{"--data", dir, "--tenant", "fabrikam.example", "--upn", "second@fabrikam.example",
		"--display-name", "Second", "--log-level", "error"}, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("creating the same user again = %v, want 'already exists'", err)
	}

	st, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := registry.New(st, nil)
	tn, err := reg.ResolveTenant(ctx, "fabrikam.example")
	if err != nil {
		t.Fatalf("the tenant was not created: %v", err)
	}
	u, err := st.GetUserByUPN(ctx, tn.ID, "root@fabrikam.example")
	if err != nil {
		t.Fatalf("root: %v", err)
	}
	if roles, err := reg.DirectoryRoles(ctx, tn.ID, u.ID); err != nil || len(roles) != 1 || roles[0] != directory.RoleGlobalAdministrator {
		t.Fatalf("root's roles = %v, %v; want Global Administrator", roles, err)
	}
	if err := directory.VerifyPassword(u.PasswordHash, m[1]); err != nil {
		t.Fatalf("the printed password does not sign root in: %v", err)
	}
	app, err := st.GetApplicationByAppID(ctx, tn.ID, devenv.AdminCentreClientID)
	if err != nil {
		t.Fatalf("the admin centre is not registered in the tenant: %v", err)
	}
	if want := []string{"https://admin.fabrikam.example/callback", "https://admin.fabrikam.example/signed-out"}; strings.Join(app.PublicClient.RedirectURIs, " ") != strings.Join(want, " ") {
		t.Fatalf("admin centre redirect URIs = %q, want %q", app.PublicClient.RedirectURIs, want)
	}
}
