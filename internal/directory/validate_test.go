package directory

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validApp() *Application {
	return &Application{ID: NewID(), AppID: NewID(), DisplayName: "eks", SignInAudience: AudienceMyOrg,
		Web: WebApplication{RedirectURIs: []string{"http://localhost:8000", "https://portal.example.com/callback"}}}
}

func TestValidateApplication(t *testing.T) {
	two, three := 2, 3
	tests := []struct {
		name   string
		mutate func(*Application)
		field  string // "" = valid
	}{
		{"valid", func(*Application) {}, ""},
		{"v2 tokens", func(a *Application) { a.API.RequestedAccessTokenVersion = &two }, ""},
		{"token version 3", func(a *Application) { a.API.RequestedAccessTokenVersion = &three }, "api.requestedAccessTokenVersion"},
		{"no name", func(a *Application) { a.DisplayName = " " }, "displayName"},
		{"bad audience", func(a *Application) { a.SignInAudience = "Everyone" }, "signInAudience"},
		{"http redirect to a remote host", func(a *Application) { a.Web.RedirectURIs = []string{"http://evil.example/cb"} }, "web.redirectUris[0]"},
		{"redirect with fragment", func(a *Application) { a.Web.RedirectURIs = []string{"https://a.example/cb#x"} }, "web.redirectUris[0]"},
		{"relative redirect", func(a *Application) { a.Web.RedirectURIs = []string{"/cb"} }, "web.redirectUris[0]"},
		{"duplicate redirect", func(a *Application) { a.Web.RedirectURIs = []string{"https://a.example", "https://a.example"} }, "web.redirectUris[1]"},
		{"custom scheme on public client", func(a *Application) { a.PublicClient.RedirectURIs = []string{"myapp://auth"} }, ""},
		{"bad group claims", func(a *Application) { a.GroupMembershipClaims = "Some" }, "groupMembershipClaims"},
		{"bad identifier URI", func(a *Application) { a.IdentifierURIs = []string{"ftp://x"} }, "identifierUris[0]"},
		{"bad permission type", func(a *Application) {
			a.RequiredResourceAccess = []RequiredResourceAccess{{ResourceAppID: GraphAppID, ResourceAccess: []ResourceAccess{{ID: NewID(), Type: "Both"}}}}
		}, "requiredResourceAccess[0].resourceAccess[0].type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validApp()
			tt.mutate(a)
			err := ValidateApplication(a)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("ValidateApplication = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ValidateApplication = %v, want a ValidationError on %s", err, tt.field)
			}
			for _, p := range ve.Problems {
				if p.Field == tt.field {
					return
				}
			}
			t.Fatalf("problems = %+v, want one on %s", ve.Problems, tt.field)
		})
	}
}

func TestValidateApplicationReportsEveryProblem(t *testing.T) {
	a := validApp()
	a.DisplayName, a.SignInAudience = "", "x"
	var ve *ValidationError
	if !errors.As(ValidateApplication(a), &ve) || len(ve.Problems) != 2 {
		t.Fatalf("want two problems reported at once, got %v", ve)
	}
}

func TestValidateUser(t *testing.T) {
	domains := []string{"contoso.example"}
	tests := []struct {
		upn, name string
		ok        bool
	}{
		{"alex@contoso.example", "Alex", true},
		{"Alex@CONTOSO.example", "Alex", true},
		{"alex@fabrikam.example", "Alex", false},
		{"alex", "Alex", false},
		{"al ex@contoso.example", "Alex", false},
		{"alex@contoso.example", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.upn+"/"+tt.name, func(t *testing.T) {
			err := ValidateUser(&User{ID: NewID(), UserPrincipalName: tt.upn, DisplayName: tt.name}, domains)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateUser = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{"Demo-abcd-efgh-7": true, "short1A": false, "alllowercase": false, "lower123": false, "lower-123": true,
		strings.Repeat("aA1", 90): false} {
		if err := ValidatePassword(pw); (err == nil) != ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("Correct-Horse-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q, want an argon2id PHC string", h)
	}
	if err := VerifyPassword(h, "Correct-Horse-1"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	if err := VerifyPassword(h, "correct-horse-1"); !errors.Is(err, ErrPasswordMismatch) {
		t.Fatalf("wrong password: %v, want ErrPasswordMismatch", err)
	}
	if err := VerifyPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Fatal("a non-argon2id hash verified")
	}
}

func TestClientSecret(t *testing.T) {
	now := time.Now()
	secret, cred := NewClientSecret("ci", now, time.Hour)
	app := &Application{PasswordCredentials: []PasswordCredential{cred}}
	if len(secret) < 40 || cred.Hint != secret[:3] || strings.Contains(string(cred.SecretHash), secret) {
		t.Fatalf("secret %q / credential %+v: want a long secret, hint = first 3 chars, only a hash stored", secret, cred)
	}
	if err := VerifyClientSecret(app, secret, now); err != nil {
		t.Fatalf("right secret: %v", err)
	}
	if err := VerifyClientSecret(app, secret+"x", now); !errors.Is(err, ErrSecretMismatch) {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := VerifyClientSecret(app, secret, now.Add(2*time.Hour)); !errors.Is(err, ErrSecretExpired) {
		t.Fatalf("expired secret: %v", err)
	}
}
