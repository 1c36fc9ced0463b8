package graph_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
)

// TestPrivilegedAccountsNeedAGlobalAdministrator: a User Administrator, or
// an app with User.ReadWrite.All, must not take over a Global
// Administrator by resetting the password, disabling, renaming or deleting.
func TestPrivilegedAccountsNeedAGlobalAdministrator(t *testing.T) {
	e := newEnv(t)
	ua, err := e.Registry.CreateUser(context.Background(), e.System(), registry.UserSpec{UserPrincipalName: "ua@contoso.example",
		DisplayName: "User Admin", Password: "Ua-pass-1234", DirectoryRoles: []string{directory.RoleUserAdministrator}})
	if err != nil {
		t.Fatal(err)
	}
	c := e.delegatedClient()
	uaToken := e.passwordGrantAs(c.AppID, c.Secret, "ua@contoso.example", "Ua-pass-1234", "https://graph.microsoft.com/Directory.AccessAsUser.All").str("access_token")
	if uaToken == "" {
		t.Fatal("no token for the User Administrator")
	}
	reset := map[string]any{"passwordProfile": map[string]any{"password": "Taken-over-1234"}}
	for name, token := range map[string]string{"User Administrator": uaToken, "app with User.ReadWrite.All": e.GraphToken()} {
		t.Run(name, func(t *testing.T) {
			wantError(t, e.do("PATCH", "users/"+adeleID, token, reset), http.StatusForbidden, "Authorization_RequestDenied", "")
			wantError(t, e.do("PATCH", "users/"+adeleID, token, map[string]any{"accountEnabled": false}), http.StatusForbidden, "Authorization_RequestDenied", "")
			wantError(t, e.do("DELETE", "users/"+adeleID, token, nil), http.StatusForbidden, "Authorization_RequestDenied", "")
			// Not privileged: the same caller may still manage alex.
			wantNoContent(t, e.do("PATCH", "users/"+alexID, token, map[string]any{"displayName": "Alex W."}))
		})
	}
	t.Run("Global Administrator", func(t *testing.T) {
		wantNoContent(t, e.do("PATCH", "users/"+ua.ID, e.delegatedToken(adeleID), reset))
	})
}
