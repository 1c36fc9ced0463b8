package admin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/policy"
)

func TestClaimsDefinitionEdits(t *testing.T) {
	d := newClaimsDefinition()
	ext := "extension_6e5d4c3b2a194f8e8d7c6b5a4f3e2d1c_default_namespace"
	if err := d.add(ClaimSpec{Name: "default_namespace", Source: sourceExtension, Extension: ext}); err != nil {
		t.Fatalf("add extension claim: %v", err)
	}
	if err := d.add(ClaimSpec{Name: "work_mail", Source: sourceAttribute, Attribute: "mail"}); err != nil {
		t.Fatalf("add attribute claim: %v", err)
	}
	def := d.definition()
	// What the admin centre writes is a definition Graph accepts and the
	// token pipeline reads.
	cm, err := policy.ParseClaimsMapping(def)
	if err != nil {
		t.Fatalf("ParseClaimsMapping(%s): %v", def[0], err)
	}
	if !cm.IncludeBasicClaimSet || len(cm.Claims) != 2 || cm.Claims[0].ExtensionID != ext || cm.Claims[1].ID != "mail" {
		t.Fatalf("parsed mapping = %+v", cm)
	}
	claims := d.claims(map[string]string{ext: "eks"})
	if len(claims) != 2 || claims[0].Value != "user.default_namespace" || claims[0].App != "eks" || claims[1].Value != "user.mail" {
		t.Fatalf("claims = %+v", claims)
	}
	if !d.remove("WORK_MAIL") || d.remove("work_mail") {
		t.Fatalf("remove should find the claim case-insensitively, once")
	}
}

func TestClaimsDefinitionKeepsWhatItDoesNotEdit(t *testing.T) {
	stored := `{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"false","ClaimsSchema":[` +
		`{"Source":"user","ID":"mail","SamlClaimType":"http://schemas/mail"},` +
		`{"Source":"user","ID":"displayname","JwtClaimType":"display"}]},"Note":"kept"}`
	d, err := parseClaimsDefinition([]string{stored})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.claims(nil); len(got) != 1 || got[0].Name != "display" {
		t.Fatalf("claims = %+v: the SAML-only entry is not a JWT claim", got)
	}
	if err := d.add(ClaimSpec{Name: "Display", Source: sourceAttribute, Attribute: "mail"}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a duplicate name (case-insensitive) = %v, want a refusal", err)
	}
	d.remove("display")
	var doc map[string]any
	json.Unmarshal([]byte(d.definition()[0]), &doc)
	cmp := doc["ClaimsMappingPolicy"].(map[string]any)
	if doc["Note"] != "kept" || cmp["IncludeBasicClaimSet"] != "false" || len(cmp["ClaimsSchema"].([]any)) != 1 {
		t.Fatalf("definition after the edit = %v: other properties and entries must stay", doc)
	}
	for _, bad := range []string{`[]`, `{"Other":{}}`, `{"ClaimsMappingPolicy":{"ClaimsSchema":{}}}`} {
		if _, err := parseClaimsDefinition([]string{bad}); err == nil {
			t.Fatalf("parseClaimsDefinition(%s) = nil, want an error", bad)
		}
	}
}

func TestClaimSpecValidate(t *testing.T) {
	tests := []struct {
		spec ClaimSpec
		want string
	}{
		{ClaimSpec{Name: "", Source: sourceAttribute, Attribute: "mail"}, "enter the claim's name"},
		{ClaimSpec{Name: "a b", Source: sourceAttribute, Attribute: "mail"}, "without spaces"},
		{ClaimSpec{Name: "upn", Source: sourceAttribute, Attribute: "mail"}, "restricted claim"},
		{ClaimSpec{Name: "x", Source: sourceAttribute, Attribute: "password"}, "choose the user attribute"},
		{ClaimSpec{Name: "x", Source: sourceExtension}, "select an application"},
		{ClaimSpec{Name: "x", Source: "constant"}, "choose the claim's source"},
	}
	for _, tt := range tests {
		if err := tt.spec.validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Fatalf("validate(%+v) = %v, want an error saying %q", tt.spec, err, tt.want)
		}
	}
}
