package token

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

var (
	now    = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	tenant = &directory.Tenant{ID: "8f1d3b2a-6c4e-4a57-9b1f-2d3c4e5f6a7b", PairwiseSalt: []byte("0123456789abcdef0123456789abcdef")}
	yes    = true
)

func testApp() *directory.Application {
	return &directory.Application{AppID: "6e5d4c3b-2a19-4f8e-8d7c-6b5a4f3e2d1c", DisplayName: "eks"}
}

func testUser() *directory.User {
	return &directory.User{ID: "2a3b4c5d-6e7f-4809-9a1b-2c3d4e5f6a7b", UserPrincipalName: "alex@contoso.example",
		DisplayName: "Alex Wilber", GivenName: "Alex", Surname: "Wilber", Mail: "alex@contoso.example",
		Extensions: map[string]any{"extension_6e5d4c3b2a194f8e8d7c6b5a4f3e2d1c_default_namespace": "team-a"}}
}

func idRequest(version int, mutate ...func(*Request)) *Request {
	app := testApp()
	r := &Request{Kind: IDToken, Version: version, BaseURL: "https://login.example", TenantSegment: tenant.ID, Tenant: tenant,
		Client: app, Audience: app.AppID, AudienceApp: app, User: testUser(), Nonce: "n-1", Now: now}
	for _, m := range mutate {
		m(r)
	}
	return r
}

func build(t *testing.T, r *Request) map[string]any {
	t.Helper()
	tok, err := Build(r)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return tok.Claims
}

func keysOf(m map[string]any) []string {
	var k []string
	for name := range m {
		k = append(k, name)
	}
	sort.Strings(k)
	return k
}

// TestClaimSets pins the claim names of each token type to Entra's.
func TestClaimSets(t *testing.T) {
	appOnly := func(version int) *Request {
		return &Request{Kind: AccessToken, Version: version, BaseURL: "https://login.example", TenantSegment: tenant.ID,
			Tenant: tenant, Client: testApp(), ClientSP: &directory.ServicePrincipal{ID: "sp-1"}, ClientAuth: ClientAuthSecret,
			Audience: "https://graph.microsoft.com", Roles: []string{"User.Read.All"}, Now: now}
	}
	userAccess := func(version int) *Request {
		r := appOnly(version)
		r.User, r.Scopes, r.Roles = testUser(), []string{"User.Read"}, nil
		return r
	}
	tests := []struct {
		name string
		req  *Request
		want []string
	}{
		{"v1 id token", idRequest(1), []string{"amr", "aud", "exp", "family_name", "given_name", "iat", "iss", "name", "nbf", "nonce",
			"oid", "rh", "sub", "tid", "unique_name", "upn", "uti", "ver"}},
		{"v2 id token, openid only", idRequest(2), []string{"aio", "aud", "exp", "iat", "iss", "nbf", "nonce", "rh", "sub", "tid", "uti", "ver"}},
		{"v2 id token, profile email", idRequest(2, func(r *Request) { r.OIDCScopes = []string{"openid", "profile", "email"} }),
			[]string{"aio", "aud", "email", "exp", "iat", "iss", "name", "nbf", "nonce", "oid", "preferred_username", "rh", "sub", "tid", "uti", "ver"}},
		{"v1 app-only access token", appOnly(1), []string{"aio", "app_displayname", "appid", "appidacr", "aud", "exp", "iat", "idp",
			"idtyp", "iss", "nbf", "oid", "rh", "roles", "sub", "tid", "uti", "ver"}},
		{"v2 app-only access token", appOnly(2), []string{"aio", "aud", "azp", "azpacr", "exp", "iat", "idtyp", "iss", "nbf", "oid",
			"rh", "roles", "sub", "tid", "uti", "ver"}},
		{"v1 user access token", userAccess(1), []string{"acr", "aio", "amr", "app_displayname", "appid", "appidacr", "aud", "exp",
			"family_name", "given_name", "iat", "idtyp", "iss", "name", "nbf", "oid", "rh", "scp", "sub", "tid", "unique_name", "upn", "uti", "ver"}},
		{"v2 user access token", userAccess(2), []string{"aio", "aud", "azp", "azpacr", "exp", "iat", "idtyp", "iss", "name", "nbf",
			"oid", "preferred_username", "rh", "scp", "sub", "tid", "uti", "ver"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keysOf(build(t, tt.req)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("claims = %v\nwant     %v", got, tt.want)
			}
		})
	}
}

func TestIssuerAndLifetime(t *testing.T) {
	for _, tt := range []struct {
		version  int
		lifetime time.Duration
		iss      string
	}{
		{1, 0, "https://login.example/" + tenant.ID + "/"},
		{2, 0, "https://login.example/" + tenant.ID + "/v2.0"},
		{1, 4 * time.Hour, "https://login.example/" + tenant.ID + "/"},
	} {
		t.Run(fmt.Sprintf("v%d %v", tt.version, tt.lifetime), func(t *testing.T) {
			c := build(t, idRequest(tt.version, func(r *Request) { r.Lifetime = tt.lifetime }))
			want := tt.lifetime
			if want == 0 {
				want = time.Hour
			}
			if got := time.Duration(c["exp"].(int64)-c["iat"].(int64)) * time.Second; got != want {
				t.Fatalf("exp-iat = %v, want %v", got, want)
			}
			if c["iss"] != tt.iss || c["ver"] != fmt.Sprintf("%d.0", tt.version) {
				t.Fatalf("iss=%v ver=%v, want %s", c["iss"], c["ver"], tt.iss)
			}
		})
	}
}

func TestSubjectIsPairwise(t *testing.T) {
	a := build(t, idRequest(1))["sub"]
	b := build(t, idRequest(1, func(r *Request) {
		other := testApp()
		other.AppID = "11111111-2222-4333-8444-555555555555"
		r.Client, r.Audience = other, other.AppID
	}))["sub"]
	if a == b || a == testUser().ID || len(a.(string)) != 43 {
		t.Fatalf("sub %v (app A) and %v (app B): want different 43-char values, not the oid", a, b)
	}
	if again := build(t, idRequest(1))["sub"]; again != a {
		t.Fatalf("sub is not stable: %v then %v", a, again)
	}
}

func groups(n int, security bool) []*directory.Group {
	var out []*directory.Group
	for i := range n {
		out = append(out, &directory.Group{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), SecurityEnabled: security})
	}
	return out
}

func TestGroupsClaim(t *testing.T) {
	mixed := append(groups(2, true), &directory.Group{ID: "ffffffff-0000-4000-8000-000000000000"})
	tests := []struct {
		name      string
		setting   string
		groups    []*directory.Group
		appGroups map[string]bool
		want      int // number of ids in groups; -1 = overage
	}{
		{"none", "", mixed, nil, 0},
		{"security groups only", directory.GroupClaimsSecurityGroup, mixed, nil, 2},
		{"all", directory.GroupClaimsAll, mixed, nil, 3},
		{"application groups", directory.GroupClaimsApplicationGroup, mixed, map[string]bool{mixed[1].ID: true}, 1},
		{"exactly 200", directory.GroupClaimsSecurityGroup, groups(200, true), nil, 200},
		{"overage above 200", directory.GroupClaimsSecurityGroup, groups(201, true), nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := build(t, idRequest(1, func(r *Request) {
				r.AudienceApp.GroupMembershipClaims = tt.setting
				r.Groups, r.AppGroupIDs = tt.groups, tt.appGroups
				r.GroupsOverageEndpoint = "https://login.example/v1.0/users/x/getMemberObjects"
			}))
			got, _ := c["groups"].([]string)
			switch {
			case tt.want == -1:
				if c["groups"] != nil || c["_claim_names"] == nil || c["_claim_sources"] == nil {
					t.Fatalf("overage: groups=%v _claim_names=%v, want no groups and a claim source", c["groups"], c["_claim_names"])
				}
			case len(got) != tt.want:
				t.Fatalf("groups = %d ids, want %d", len(got), tt.want)
			}
		})
	}
}

func TestClaimsMapping(t *testing.T) {
	mapping := &ClaimsMapping{IncludeBasicClaimSet: true, Claims: []MappedClaim{
		{Source: "user", ExtensionID: "extension_6e5d4c3b2a194f8e8d7c6b5a4f3e2d1c_default_namespace", JWTClaimType: "default_namespace"},
		{Source: "user", ExtensionID: "extension_6e5d4c3b2a194f8e8d7c6b5a4f3e2d1c_picture", JWTClaimType: "picture"},
		{Source: "user", ID: "mail", JWTClaimType: "upn"}, // restricted: never emitted
	}}
	t.Run("refused without acceptMappedClaims", func(t *testing.T) {
		_, err := Build(idRequest(1, func(r *Request) { r.ClaimsMapping = mapping }))
		if !errors.Is(err, ErrMappedClaimsNotAccepted) {
			t.Fatalf("err = %v, want ErrMappedClaimsNotAccepted", err)
		}
	})
	t.Run("emitted under the configured name", func(t *testing.T) {
		c := build(t, idRequest(1, func(r *Request) {
			r.ClaimsMapping = mapping
			r.AudienceApp.API.AcceptMappedClaims = &yes
		}))
		if c["default_namespace"] != "team-a" {
			t.Fatalf("default_namespace = %v, want team-a", c["default_namespace"])
		}
		if _, ok := c["picture"]; ok {
			t.Fatal("picture has no value but was emitted")
		}
		if c["upn"] != "alex@contoso.example" {
			t.Fatalf("restricted claim upn overridden: %v", c["upn"])
		}
	})
}

func TestOptionalClaimExtension(t *testing.T) {
	src := "user"
	c := build(t, idRequest(2, func(r *Request) {
		r.AudienceApp.OptionalClaims.IDToken = []directory.OptionalClaim{
			{Name: "extension_6e5d4c3b2a194f8e8d7c6b5a4f3e2d1c_default_namespace", Source: &src}, {Name: "email"}, {Name: "upn"}}
	}))
	if c["extn.default_namespace"] != "team-a" || c["email"] != "alex@contoso.example" || c["upn"] != "alex@contoso.example" {
		t.Fatalf("optional claims not applied: %v", c)
	}
}

func TestParseScope(t *testing.T) {
	tests := []struct {
		in       string
		resource string
		perms    []string
		oidc     []string
		err      error
	}{
		{"openid profile", "", nil, []string{"openid", "profile"}, nil},
		{"openid User.Read", "https://graph.microsoft.com", []string{"User.Read"}, []string{"openid"}, nil},
		{"https://graph.microsoft.com/.default", "https://graph.microsoft.com", []string{".default"}, nil, nil},
		{"api://my-api/access_as_user offline_access", "api://my-api", []string{"access_as_user"}, []string{"offline_access"}, nil},
		{"00000003-0000-0000-c000-000000000000/.default", "00000003-0000-0000-c000-000000000000", []string{".default"}, nil, nil},
		{"User.Read api://other/x", "", nil, nil, ErrMultipleResources},
		{"https://graph.microsoft.com/.default User.Read", "", nil, nil, ErrDefaultMixed},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseScope(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if s.Resource != tt.resource || !reflect.DeepEqual(s.Permissions, tt.perms) || !reflect.DeepEqual(s.OIDC, tt.oidc) {
				t.Fatalf("ParseScope = %+v, want resource %q perms %v oidc %v", s, tt.resource, tt.perms, tt.oidc)
			}
		})
	}
}
