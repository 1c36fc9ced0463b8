package graph_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

func TestGroupsAndMembers(t *testing.T) {
	e := newEnv(t)
	admin := e.delegatedToken(adeleID) // groups need Group.* or a User Administrator; eks has neither
	do := func(method, path string, body any) *response { t.Helper(); return e.do(method, path, admin, body) }

	r := do("POST", "groups", `{"displayName":"sre","mailEnabled":false,"mailNickname":"sre","securityEnabled":true,"description":"on call"}`)
	wantStatus(t, r, http.StatusCreated)
	gid := r.str("id")
	if !guidRE.MatchString(gid) || r.str("displayName") != "sre" || r.str("description") != "on call" || r.obj["securityEnabled"] != true {
		t.Fatalf("created group = %s", r.raw)
	}
	if want := e.Base + "/v1.0/$metadata#groups/$entity"; r.str("@odata.context") != want {
		t.Fatalf("@odata.context = %q, want %q", r.str("@odata.context"), want)
	}
	if got := do("GET", "groups/"+gid, nil); got.str("mailNickname") != "sre" {
		t.Fatalf("GET group = %s", got.raw)
	}

	invalid := []struct{ name, body string }{
		{"no mailNickname", `{"displayName":"x","mailEnabled":false,"securityEnabled":true}`},
		{"no displayName", `{"mailNickname":"x","mailEnabled":false,"securityEnabled":true}`},
		{"mail-enabled", `{"displayName":"x","mailEnabled":true,"mailNickname":"x","securityEnabled":true}`},
		{"Microsoft 365 group", `{"displayName":"x","mailEnabled":false,"mailNickname":"x","securityEnabled":true,"groupTypes":["Unified"]}`},
		{"unknown property", `{"displayName":"x","mailEnabled":false,"mailNickname":"x","securityEnabled":true,"visibility":1}`},
		{"wrong type", `{"displayName":"x","mailEnabled":"no","mailNickname":"x","securityEnabled":true}`},
	}
	for _, tt := range invalid {
		t.Run("create refused: "+tt.name, func(t *testing.T) {
			wantError(t, do("POST", "groups", tt.body), http.StatusBadRequest, "Request_BadRequest", "")
		})
	}

	members := func() []string {
		t.Helper()
		r := do("GET", "groups/"+gid+"/members", nil)
		wantStatus(t, r, http.StatusOK)
		var ids []string
		for _, m := range r.values(t) {
			ids = append(ids, m["id"].(string))
		}
		slices.Sort(ids)
		return ids
	}

	t.Run("add members by $ref", func(t *testing.T) {
		wantNoContent(t, do("POST", "groups/"+gid+"/members/$ref", ref(graphBase+"/directoryObjects/"+alexID)))
		wantNoContent(t, do("POST", "groups/"+gid+"/members/%24ref", ref(e.Base+"/v1.0/users/"+adeleID)))
		wantNoContent(t, do("POST", "groups/"+gid+"/members/$ref", ref(graphBase+"/servicePrincipals/"+eksSPID)))
		want := []string{adeleID, alexID, eksSPID}
		slices.Sort(want)
		if got := members(); !slices.Equal(got, want) {
			t.Fatalf("members = %v, want %v", got, want)
		}
	})

	t.Run("members carry their @odata.type", func(t *testing.T) {
		types := map[any]any{}
		for _, m := range do("GET", "groups/"+gid+"/members", nil).values(t) {
			types[m["id"]] = m["@odata.type"]
		}
		if types[alexID] != "#microsoft.graph.user" || types[eksSPID] != "#microsoft.graph.servicePrincipal" {
			t.Fatalf("member types = %v", types)
		}
	})

	t.Run("membership shows in memberOf and the ID token", func(t *testing.T) {
		found := false
		for _, g := range do("GET", "users/"+alexID+"/memberOf", nil).values(t) {
			found = found || g["id"] == gid
		}
		if !found {
			t.Fatalf("alex memberOf lacks %s", gid)
		}
		groups, _ := testenv.ClaimsOf(t, e.eksIDToken(alexID).str("id_token"))["groups"].([]any)
		if !slices.Contains(groups, any(gid)) {
			t.Fatalf("alex's eks ID token groups = %v, want %s among them", groups, gid)
		}
	})

	refusals := []struct {
		name, odataID string
		status        int
		code          string
	}{
		{"already a member", graphBase + "/users/" + alexID, 400, "Request_BadRequest"},
		{"unknown object", graphBase + "/directoryObjects/00000000-0000-4000-8000-000000000abc", 404, "Request_ResourceNotFound"},
		{"the group itself", graphBase + "/groups/" + gid, 400, "Request_BadRequest"},
		{"an application is not a directory member", graphBase + "/applications/" + eksObjID, 400, "Request_BadRequest"},
		{"foreign host", "https://example.com/v1.0/users/" + alexID, 400, "Request_BadRequest"},
	}
	for _, tt := range refusals {
		t.Run("add refused: "+tt.name, func(t *testing.T) {
			wantError(t, do("POST", "groups/"+gid+"/members/$ref", ref(tt.odataID)), tt.status, tt.code, "")
		})
	}
	t.Run("add to an unknown group", func(t *testing.T) {
		wantError(t, do("POST", "groups/00000000-0000-4000-8000-000000000abc/members/$ref", ref(graphBase+"/users/"+alexID)),
			http.StatusNotFound, "Request_ResourceNotFound", "")
	})

	t.Run("remove a member", func(t *testing.T) {
		wantNoContent(t, do("DELETE", "groups/"+gid+"/members/"+alexID+"/$ref", nil))
		if got := members(); slices.Contains(got, alexID) {
			t.Fatalf("alex still a member: %v", got)
		}
		wantError(t, do("DELETE", "groups/"+gid+"/members/"+alexID+"/$ref", nil), http.StatusNotFound, "Request_ResourceNotFound", "")
	})

	t.Run("groups list and delete", func(t *testing.T) {
		var names []string
		for _, g := range do("GET", "groups", nil).values(t) {
			names = append(names, g["displayName"].(string))
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"developers", "platform-engineers", "sre"}) {
			t.Fatalf("groups = %v", names)
		}
		wantNoContent(t, do("DELETE", "groups/"+gid, nil))
		wantError(t, do("GET", "groups/"+gid, nil), http.StatusNotFound, "Request_ResourceNotFound", gid)
		for _, g := range do("GET", "users/"+adeleID+"/memberOf", nil).values(t) {
			if g["id"] == gid {
				t.Fatalf("deleted group still in adele's memberOf")
			}
		}
	})
}
