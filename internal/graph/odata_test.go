package graph_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// createUser creates a user through Graph and returns its id.
func (e *env) createUser(nick, displayName string) string {
	e.t.Helper()
	r := e.post("users", map[string]any{
		"accountEnabled": true, "displayName": displayName, "mailNickname": nick,
		"userPrincipalName": nick + "@contoso.example",
		"passwordProfile":   map[string]any{"forceChangePasswordNextSignIn": false, "password": "Test-pass-1234"},
	})
	wantStatus(e.t, r, http.StatusCreated)
	return r.str("id")
}

func TestODataQueries(t *testing.T) {
	e := newEnv(t)
	e.createGuideExtension()
	var created []string
	for i := range 7 {
		created = append(created, e.createUser(fmt.Sprintf("user%d", i), fmt.Sprintf("Test User %d", i)))
	}
	obrien := e.createUser("obrien", "Pat O'Brien")
	wantNoContent(t, e.patch("users/"+created[2], map[string]any{defaultNamespaceExt: "team-x"}))
	wantNoContent(t, e.patch("users/"+adeleID, map[string]any{defaultNamespaceExt: "team-a"}))
	allIDs := append([]string{adeleID, alexID, obrien}, created...)

	t.Run("$top pages through every user with @odata.nextLink", func(t *testing.T) {
		var seen []string
		next := "users?$top=3"
		for pages := 0; next != ""; pages++ {
			if pages > 10 {
				t.Fatalf("more than 10 pages of 3 for %d users: nextLink loops", len(allIDs))
			}
			r := e.get(next)
			wantStatus(t, r, http.StatusOK)
			v := r.values(t)
			if len(v) > 3 {
				t.Fatalf("page %d has %d users, want at most 3", pages, len(v))
			}
			for _, u := range v {
				seen = append(seen, u["id"].(string))
			}
			next = r.str("@odata.nextLink")
			if next != "" && !strings.HasPrefix(next, e.Base+"/v1.0/users?") {
				t.Fatalf("@odata.nextLink = %q, want an absolute URL under %s/v1.0/users", next, e.Base)
			}
			if next == "" && len(v) == 3 && len(seen) < len(allIDs) {
				t.Fatalf("no nextLink after a full page; saw %d of %d users", len(seen), len(allIDs))
			}
		}
		slices.Sort(seen)
		want := slices.Clone(allIDs)
		slices.Sort(want)
		if !slices.Equal(seen, want) {
			t.Fatalf("paging returned %v, want each of %v exactly once", seen, want)
		}
	})

	t.Run("nextLink keeps $select and $filter", func(t *testing.T) {
		r := e.get("users?$top=1&$select=displayName&$filter=" + url.QueryEscape("accountEnabled eq true"))
		wantStatus(t, r, http.StatusOK)
		next := r.str("@odata.nextLink")
		u, err := url.Parse(next)
		if err != nil || u.Query().Get("$select") != "displayName" || u.Query().Get("$top") != "1" || u.Query().Get("$filter") == "" {
			t.Fatalf("nextLink %q lost the query options", next)
		}
		r2 := e.get(next)
		wantStatus(t, r2, http.StatusOK)
		if v := r2.values(t); len(v) != 1 || len(v[0]) != 2 {
			t.Fatalf("second page = %s, want one user with id and displayName", r2.raw)
		}
	})

	t.Run("$select on a collection", func(t *testing.T) {
		r := e.get("users?$select=displayName,userPrincipalName")
		wantStatus(t, r, http.StatusOK)
		if want := e.Base + "/v1.0/$metadata#users(displayName,userPrincipalName)"; r.str("@odata.context") != want {
			t.Fatalf("@odata.context = %q, want %q", r.str("@odata.context"), want)
		}
		for _, u := range r.values(t) {
			keys := make([]string, 0, len(u))
			for k := range u {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, []string{"displayName", "id", "userPrincipalName"}) {
				t.Fatalf("selected user has %v, want id, displayName, userPrincipalName", keys)
			}
		}
	})

	filters := []struct {
		name   string
		filter string
		want   []string
	}{
		{"userPrincipalName", "userPrincipalName eq 'alex@contoso.example'", []string{alexID}},
		{"userPrincipalName case-insensitive", "userPrincipalName eq 'ALEX@contoso.example'", []string{alexID}},
		{"displayName", "displayName eq 'Adele Vance'", []string{adeleID}},
		{"quote escaped by doubling", "displayName eq 'Pat O''Brien'", []string{obrien}},
		{"extension property", defaultNamespaceExt + " eq 'team-x'", []string{created[2]}},
		{"boolean", "accountEnabled eq false", nil},
		{"no match", "displayName eq 'nobody'", nil},
	}
	for _, tt := range filters {
		t.Run("$filter "+tt.name, func(t *testing.T) {
			r := e.get("users?$filter=" + url.QueryEscape(tt.filter))
			wantStatus(t, r, http.StatusOK)
			var got []string
			for _, u := range r.values(t) {
				got = append(got, u["id"].(string))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("$filter=%s returned %v, want %v", tt.filter, got, tt.want)
			}
		})
	}

	t.Run("$filter on an extension with $select returns the value", func(t *testing.T) {
		r := e.get("users?$select=id," + defaultNamespaceExt + "&$filter=" + url.QueryEscape(defaultNamespaceExt+" eq 'team-a'"))
		wantStatus(t, r, http.StatusOK)
		v := r.values(t)
		if len(v) != 1 || v[0]["id"] != adeleID || v[0][defaultNamespaceExt] != "team-a" {
			t.Fatalf("got %s, want adele with %s = team-a", r.raw, defaultNamespaceExt)
		}
	})

	t.Run("$filter on applications and extension properties", func(t *testing.T) {
		r := e.get("applications?$filter=" + url.QueryEscape("appId eq '"+eksAppID+"'"))
		wantStatus(t, r, http.StatusOK)
		if v := r.values(t); len(v) != 1 || v[0]["id"] != eksObjID {
			t.Fatalf("applications appId filter: %s", r.raw)
		}
		r = e.get("applications/" + eksObjID + "/extensionProperties?$filter=" + url.QueryEscape("name eq '"+defaultNamespaceExt+"'"))
		wantStatus(t, r, http.StatusOK)
		if v := r.values(t); len(v) != 1 || v[0]["name"] != defaultNamespaceExt {
			t.Fatalf("extensionProperties name filter: %s", r.raw)
		}
	})

	bad := []struct {
		name  string
		query string
		code  string
	}{
		{"$top zero", "$top=0", "Request_BadRequest"},
		{"$top negative", "$top=-1", "Request_BadRequest"},
		{"$top not a number", "$top=abc", "Request_BadRequest"},
		{"$top too large", "$top=1000", "Request_BadRequest"},
		{"$skiptoken garbage", "$skiptoken=!!!", "Request_BadRequest"},
		{"malformed percent-escape", "$filter=%zz", "Request_BadRequest"},
		{"$skiptoken not ours", "$skiptoken=bm90LWEtbnVtYmVy", "Request_BadRequest"},
		{"startswith", "$filter=" + url.QueryEscape("startswith(displayName,'A')"), "Request_UnsupportedQuery"},
		{"ne", "$filter=" + url.QueryEscape("displayName ne 'x'"), "Request_UnsupportedQuery"},
		{"and", "$filter=" + url.QueryEscape("displayName eq 'x' and mail eq 'y'"), "Request_UnsupportedQuery"},
		{"unterminated string", "$filter=" + url.QueryEscape("displayName eq 'x"), "Request_UnsupportedQuery"},
		{"$orderby", "$orderby=displayName", "Request_UnsupportedQuery"},
		{"$expand", "$expand=memberOf", "Request_UnsupportedQuery"},
		{"unknown option", "$foo=bar", "Request_BadRequest"},
	}
	for _, tt := range bad {
		t.Run("refused "+tt.name, func(t *testing.T) {
			wantError(t, e.get("users?"+tt.query), http.StatusBadRequest, tt.code, "")
		})
	}
	t.Run("unknown option on a single entity", func(t *testing.T) {
		wantError(t, e.get("users/"+adeleID+"?$foo=bar"), http.StatusBadRequest, "Request_BadRequest", "$foo")
	})
	t.Run("custom (non-$) query parameters are ignored", func(t *testing.T) {
		wantStatus(t, e.get("users?foo=bar"), http.StatusOK)
	})
	t.Run("$count with ConsistencyLevel does not break the list", func(t *testing.T) {
		r := e.send(request{method: "GET", path: "users?$count=true", token: e.GraphToken(), header: map[string]string{"ConsistencyLevel": "eventual"}})
		wantStatus(t, r, http.StatusOK)
	})
}
