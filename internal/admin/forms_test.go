package admin

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

func TestLines(t *testing.T) {
	got := lines(" http://localhost:8000\r\n\n  https://a.example/cb \n")
	want := []string{"http://localhost:8000", "https://a.example/cb"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("lines = %q, want %q", got, want)
	}
	if got := lines("  \n"); got == nil || len(got) != 0 {
		t.Fatalf("lines of blanks = %#v, want an empty, non-nil list (Graph: redirectUris [])", got)
	}
}

func TestPermissionEdits(t *testing.T) {
	rra := []directory.RequiredResourceAccess{{ResourceAppID: directory.GraphAppID,
		ResourceAccess: []directory.ResourceAccess{{ID: "scope-1", Type: "Scope"}}}}
	got := withPermissions(rra, directory.GraphAppID, "Role", []string{"role-1", "role-2", "role-1"})
	want := []directory.ResourceAccess{{ID: "scope-1", Type: "Scope"}, {ID: "role-1", Type: "Role"}, {ID: "role-2", Type: "Role"}}
	if len(got) != 1 || !reflect.DeepEqual(got[0].ResourceAccess, want) {
		t.Fatalf("withPermissions = %+v, want one Graph entry with %+v", got, want)
	}
	if len(rra[0].ResourceAccess) != 1 {
		t.Fatalf("withPermissions changed its input")
	}
	other := withPermissions(got, "11111111-1111-1111-1111-111111111111", "Scope", []string{"x"})
	if len(other) != 2 || other[1].ResourceAppID != "11111111-1111-1111-1111-111111111111" {
		t.Fatalf("a second resource = %+v, want a new entry", other)
	}
	// The same id as another type is another permission.
	if same := withPermissions(got, directory.GraphAppID, "Scope", []string{"role-1"}); len(same[0].ResourceAccess) != 4 {
		t.Fatalf("role-1 as Scope should be added beside role-1 as Role: %+v", same[0].ResourceAccess)
	}
	removed := withoutPermission(got, directory.GraphAppID, "Role", "role-1")
	if !reflect.DeepEqual(removed[0].ResourceAccess, []directory.ResourceAccess{{ID: "scope-1", Type: "Scope"}, {ID: "role-2", Type: "Role"}}) {
		t.Fatalf("withoutPermission = %+v", removed)
	}
	empty := withoutPermission(withoutPermission(removed, directory.GraphAppID, "Role", "role-2"), directory.GraphAppID, "Scope", "scope-1")
	if empty == nil || len(empty) != 0 {
		t.Fatalf("removing the last permission = %#v, want no resource entry (and a non-nil list)", empty)
	}
}

func TestExtensionValue(t *testing.T) {
	def := func(typ string, multi bool) *directory.ExtensionProperty {
		return &directory.ExtensionProperty{Name: "extension_abc_x", DataType: typ, IsMultiValued: multi}
	}
	tests := []struct {
		name    string
		def     *directory.ExtensionProperty
		text    string
		want    string
		wantErr string
	}{
		{"string", def("String", false), " team-a ", `"team-a"`, ""},
		{"string with quotes", def("String", false), `a "b"`, `"a \"b\""`, ""},
		{"empty removes", def("String", false), "  ", "null", ""},
		{"boolean", def("Boolean", false), "True", "true", ""},
		{"bad boolean", def("Boolean", false), "yes", "", "enter true or false"},
		{"integer", def("Integer", false), "42", "42", ""},
		{"bad integer", def("LargeInteger", false), "4.2", "", "whole number"},
		{"date time passes to Graph", def("DateTime", false), "2025-01-02T03:04:05Z", `"2025-01-02T03:04:05Z"`, ""},
		{"multi-valued", def("String", true), "a\n\nb\n", `["a","b"]`, ""},
		{"multi-valued integers", def("Integer", true), "1\nx", "", "whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extensionValue(tt.def, tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("extensionValue(%q) error = %v, want one saying %q", tt.text, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("extensionValue(%q) = %s, %v; want %s", tt.text, got, err, tt.want)
			}
		})
	}
	if got := extensionText([]any{"a", float64(2)}); got != "a\n2" {
		t.Fatalf("extensionText(list) = %q", got)
	}
}

func TestExtensionPatchSendsOnlyChanges(t *testing.T) {
	fields := []extensionField{
		{Def: &directory.ExtensionProperty{Name: "extension_a_ns", DataType: "String"}, Value: "team-a"},
		{Def: &directory.ExtensionProperty{Name: "extension_a_pic", DataType: "String"}, Value: "https://x"},
	}
	form := map[string]string{"extension_a_ns": "team-a", "extension_a_pic": ""}
	got, err := extensionPatch(fields, func(k string) string { return form[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got["extension_a_pic"]) != "null" {
		t.Fatalf("extensionPatch = %s, want only extension_a_pic: null", got)
	}
}

// currentApp is an application as Graph renders it, decoded.
func currentApp(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	json.Unmarshal([]byte(`{"@odata.context":"x","id":"obj","appId":"app","displayName":"eks","createdDateTime":"2025-01-01T00:00:00Z",
		"groupMembershipClaims":"SecurityGroup","optionalClaims":null,"passwordCredentials":[{"keyId":"k"}],
		"api":{"acceptMappedClaims":null,"requestedAccessTokenVersion":null}}`), &m)
	return m
}

func TestManifestPatch(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		want     string // JSON of the patch
		changed  []string
		wantErr  string
		line     int
	}{
		{"unchanged", `{"id":"obj","appId":"app","displayName":"eks","api":{"acceptMappedClaims":null,"requestedAccessTokenVersion":null}}`, `{}`, nil, "", 0},
		{"acceptMappedClaims", `{"id":"obj","displayName":"eks","api":{"acceptMappedClaims":true,"requestedAccessTokenVersion":null}}`,
			`{"api":{"acceptMappedClaims":true,"requestedAccessTokenVersion":null}}`, []string{"api"}, "", 0},
		{"read-only kept", `{"passwordCredentials":[{"keyId":"k"}],"displayName":"new"}`, `{"displayName":"new"}`, []string{"displayName"}, "", 0},
		{"read-only changed", `{"appId":"other"}`, "", nil, "'appId' is read-only", 0},
		{"null clears groups", `{"groupMembershipClaims":null}`, `{"groupMembershipClaims":"None"}`, []string{"groupMembershipClaims"}, "", 0},
		{"unknown property goes to Graph", `{"colour":"red"}`, `{"colour":"red"}`, []string{"colour"}, "", 0},
		{"syntax error", "{\n  \"displayName\": \"eks\",\n  \"api\": {,}\n}", "", nil, "not valid JSON", 3},
		{"trailing text", `{"displayName":"eks"} x`, "", nil, "after its closing brace", 1},
		{"not an object", `["eks"]`, "", nil, "must be a JSON object", 0},
		{"empty", ``, "", nil, "empty or cut short", 0},
		{"cut short", `{"displayName":`, "", nil, "empty or cut short", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patch, changed, err := manifestPatch(currentApp(t), []byte(tt.manifest))
			if tt.wantErr != "" {
				var me *ManifestError
				if !errors.As(err, &me) || !strings.Contains(me.Message, tt.wantErr) {
					t.Fatalf("manifestPatch error = %v, want a ManifestError saying %q", err, tt.wantErr)
				}
				if me.Line != tt.line {
					t.Fatalf("error line = %d, want %d", me.Line, tt.line)
				}
				return
			}
			if err != nil {
				t.Fatalf("manifestPatch: %v", err)
			}
			got, _ := json.Marshal(patch)
			var a, b any
			json.Unmarshal(got, &a)
			json.Unmarshal([]byte(tt.want), &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("patch = %s, want %s", got, tt.want)
			}
			if !reflect.DeepEqual(changed, tt.changed) {
				t.Fatalf("changed = %q, want %q", changed, tt.changed)
			}
		})
	}
}

func TestNewUserBody(t *testing.T) {
	body, pw, err := newUserBody(" dana@contoso.example ", "Dana", "", true)
	if err != nil {
		t.Fatal(err)
	}
	if body["mailNickname"] != "dana" || body["userPrincipalName"] != "dana@contoso.example" || body["accountEnabled"] != true {
		t.Fatalf("body = %v", body)
	}
	if err := directory.ValidatePassword(pw); err != nil {
		t.Fatalf("generated password %q: %v", pw, err)
	}
	for _, bad := range []struct{ upn, name, want string }{{"", "D", "required"}, {"dana", "D", "name@domain"}, {"dana@x", " ", "display name"}} {
		if _, _, err := newUserBody(bad.upn, bad.name, "", true); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Fatalf("newUserBody(%q, %q) = %v, want an error saying %q", bad.upn, bad.name, err, bad.want)
		}
	}
	for range 200 {
		if err := directory.ValidatePassword(GeneratePassword()); err != nil {
			t.Fatalf("GeneratePassword: %v", err)
		}
	}
}

func TestOptionalClaimsFromForm(t *testing.T) {
	user := "user"
	cur := directory.OptionalClaims{
		IDToken:     []directory.OptionalClaim{{Name: "email", Essential: true}, {Name: "extension_abc_ns", Source: &user}},
		AccessToken: []directory.OptionalClaim{{Name: "upn"}},
	}
	got := optionalClaimsFromForm(cur, []string{"email", "upn"}, nil)
	if len(got.IDToken) != 3 || got.IDToken[0].Name != "email" || !got.IDToken[0].Essential || got.IDToken[1].Name != "upn" ||
		got.IDToken[2].Source == nil {
		t.Fatalf("idToken = %+v: want email (kept as it was), upn, and the extension entry", got.IDToken)
	}
	if len(got.AccessToken) != 0 || got.Saml2Token == nil {
		t.Fatalf("accessToken = %+v, saml2Token = %#v: want none and an empty list", got.AccessToken, got.Saml2Token)
	}
}

func TestAuthenticationBody(t *testing.T) {
	b := authenticationBody("http://localhost:8000\n", "", " ", true, false)
	got, _ := json.Marshal(b)
	want := `{"isFallbackPublicClient":true,"publicClient":{"redirectUris":[]},"web":{"implicitGrantSettings":{"enableIdTokenIssuance":false},"logoutUrl":null,"redirectUris":["http://localhost:8000"]}}`
	if string(got) != want {
		t.Fatalf("authenticationBody = %s\nwant %s", got, want)
	}
}

func TestSafeReturnToAndIssuerTenant(t *testing.T) {
	for in, want := range map[string]string{"/applications?x=1": "/applications?x=1", "//evil.example": "/", "https://evil.example/": "/",
		"/\\evil": "/", "": "/", "applications": "/"} {
		if got := safeReturnTo(in); got != want {
			t.Fatalf("safeReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
	if got := issuerTenant("http://127.0.0.1:8080/8F1D3B2A-6c4e-4a57-9b1f-2d3c4e5f6a7b/v2.0"); got != "8f1d3b2a-6c4e-4a57-9b1f-2d3c4e5f6a7b" {
		t.Fatalf("issuerTenant = %q", got)
	}
	if got := mailNickname("Platform engineers (EU)"); got != "Platform-engineers-EU" {
		t.Fatalf("mailNickname = %q", got)
	}
}

func TestSuggestAppPrefersTheEnterpriseAppsOwnRegistration(t *testing.T) {
	f := &claimForm{Apps: []extensionApp{{ID: "portal-obj", Name: "portal"}, {ID: "eks-obj", Name: "eks"}}}
	for own, want := range map[string]string{"eks-obj": "eks-obj", "other": "portal-obj", "": "portal-obj"} {
		f.suggestApp(own)
		if f.SuggestedApp != want {
			t.Errorf("suggestApp(%q) = %q, want %q", own, f.SuggestedApp, want)
		}
	}
}
