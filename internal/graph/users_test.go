package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

func newUserBody(nick string) map[string]any {
	return map[string]any{
		"accountEnabled": true, "displayName": "New " + nick, "mailNickname": nick,
		"userPrincipalName": nick + "@contoso.example",
		"passwordProfile":   map[string]any{"forceChangePasswordNextSignIn": false, "password": "Test-pass-1234"},
	}
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	e.createGuideExtension()

	body := newUserBody("megan")
	body[defaultNamespaceExt] = "team-m"
	r := e.post("users", body)
	wantStatus(t, r, http.StatusCreated)
	id := r.str("id")
	if !guidRE.MatchString(id) {
		t.Fatalf("created user id = %q, want a GUID", id)
	}
	if want := e.Base + "/v1.0/$metadata#users/$entity"; r.str("@odata.context") != want {
		t.Errorf("@odata.context = %q, want %q", r.str("@odata.context"), want)
	}
	if r.str("userPrincipalName") != "megan@contoso.example" || r.str("displayName") != "New megan" {
		t.Errorf("created user = %s", r.raw)
	}
	for _, secret := range []string{"Test-pass-1234", "passwordProfile", "passwordHash"} {
		if strings.Contains(string(r.raw), secret) {
			t.Fatalf("create response reveals %q: %s", secret, r.raw)
		}
	}

	t.Run("the extension value given at create is stored", func(t *testing.T) {
		if got := e.get("users/" + id + "?$select=" + defaultNamespaceExt).obj[defaultNamespaceExt]; got != "team-m" {
			t.Fatalf("%s = %v, want team-m", defaultNamespaceExt, got)
		}
	})

	t.Run("the password given at create signs in", func(t *testing.T) {
		tr := e.passwordGrantAs(eksAppID, e.Secret, "megan@contoso.example", "Test-pass-1234", "openid profile")
		if tr.status != http.StatusOK {
			t.Fatalf("password grant for the new user: status %d, body %v", tr.status, tr.body)
		}
		if oid := testenv.ClaimsOf(t, tr.str("id_token"))["oid"]; oid != id {
			t.Fatalf("id token oid = %v, want %s", oid, id)
		}
	})

	t.Run("get by id and by UPN", func(t *testing.T) {
		for _, path := range []string{"users/" + id, "users/" + strings.ToUpper(id), "users/megan@contoso.example", "users/MEGAN@contoso.example"} {
			if got := e.get(path).str("id"); got != id {
				t.Fatalf("GET %s id = %q, want %s", path, got, id)
			}
		}
	})

	t.Run("patch", func(t *testing.T) {
		wantNoContent(t, e.patch("users/"+id, `{"displayName":"Megan Bowen","givenName":"Megan","surname":"Bowen","jobTitle":"ignored"}`))
		r := e.get("users/" + id)
		if r.str("displayName") != "Megan Bowen" || r.str("givenName") != "Megan" || r.str("surname") != "Bowen" {
			t.Fatalf("after PATCH: %s", r.raw)
		}
	})

	t.Run("a duplicate userPrincipalName is refused", func(t *testing.T) {
		r := e.post("users", newUserBody("megan"))
		if r.status != http.StatusBadRequest {
			t.Fatalf("duplicate UPN: status %d, want 400; body %s", r.status, r.raw)
		}
		ge := checkErrorShape(t, r)
		if !strings.Contains(ge.Error.Message, "userPrincipalName") {
			t.Fatalf("duplicate UPN message %q does not name userPrincipalName", ge.Error.Message)
		}
	})

	t.Run("renaming onto a taken userPrincipalName is refused", func(t *testing.T) {
		r := e.patch("users/"+id, `{"userPrincipalName":"alex@contoso.example"}`)
		ge := checkErrorShape(t, r)
		if r.status != http.StatusBadRequest || !strings.Contains(ge.Error.Message, "userPrincipalName") {
			t.Fatalf("rename onto alex: status %d, message %q; want 400 naming userPrincipalName", r.status, ge.Error.Message)
		}
	})

	t.Run("delete", func(t *testing.T) {
		wantNoContent(t, e.del("users/"+id))
		wantError(t, e.get("users/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
		wantError(t, e.del("users/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
		tr := e.passwordGrantAs(eksAppID, e.Secret, "megan@contoso.example", "Test-pass-1234", "openid")
		if tr.status == http.StatusOK {
			t.Fatalf("a deleted user still signs in")
		}
	})
}

func TestCreateUserRequiredProperties(t *testing.T) {
	e := newEnv(t)
	for _, prop := range []string{"accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile"} {
		t.Run("without "+prop, func(t *testing.T) {
			body := newUserBody("req" + strings.ToLower(prop))
			delete(body, prop)
			wantError(t, e.post("users", body), http.StatusBadRequest, "Request_BadRequest", prop)
		})
	}
	invalid := []struct {
		name   string
		mutate func(map[string]any)
		msg    string
	}{
		{"weak password", func(b map[string]any) { b["passwordProfile"] = map[string]any{"password": "abc"} }, "password"},
		{"foreign domain", func(b map[string]any) { b["userPrincipalName"] = "x@elsewhere.example" }, "userPrincipalName"},
		{"UPN without domain", func(b map[string]any) { b["userPrincipalName"] = "nodomain" }, "userPrincipalName"},
		{"unknown passwordProfile property", func(b map[string]any) {
			b["passwordProfile"] = map[string]any{"password": "Test-pass-1234", "colour": "red"}
		}, "passwordProfile"},
		{"displayName a number", func(b map[string]any) { b["displayName"] = 7 }, "displayName"},
		{"undefined extension", func(b map[string]any) { b["extension_"+eksNoDash+"_nope"] = "x" }, "not available"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			body := newUserBody("invalid")
			tt.mutate(body)
			wantError(t, e.post("users", body), http.StatusBadRequest, "Request_BadRequest", tt.msg)
		})
	}
	t.Run("refused creates leave no user behind", func(t *testing.T) {
		if n := len(e.get("users").values(t)); n != 2 {
			t.Fatalf("users after refused creates = %d, want the 2 demo users", n)
		}
	})
}

func TestUserMemberOf(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "users/"+adeleID+"/memberOf", e.delegatedToken(adeleID), nil)
	wantStatus(t, r, http.StatusOK)
	names := map[any]bool{}
	for _, g := range r.values(t) {
		if g["@odata.type"] != "#microsoft.graph.group" {
			t.Fatalf("memberOf entry without @odata.type group: %v", g)
		}
		names[g["displayName"]] = true
	}
	if len(names) != 2 || !names["platform-engineers"] || !names["developers"] {
		t.Fatalf("adele memberOf = %v, want platform-engineers and developers", names)
	}
}
