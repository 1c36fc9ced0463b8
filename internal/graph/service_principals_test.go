package graph_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

func TestServicePrincipals(t *testing.T) {
	e := newEnv(t)
	r := e.get("servicePrincipals")
	wantStatus(t, r, http.StatusOK)
	byAppID := map[any]map[string]any{}
	for _, sp := range r.values(t) {
		byAppID[sp["appId"]] = sp
	}
	if sp := byAppID[directory.GraphAppID]; sp == nil || sp["id"] != graphSPID || sp["displayName"] != "Microsoft Graph" {
		t.Fatalf("Microsoft Graph service principal = %v", sp)
	}
	if sp := byAppID[eksAppID]; sp == nil || sp["id"] != eksSPID {
		t.Fatalf("eks service principal = %v", sp)
	}

	t.Run("Graph's app roles are its application permissions", func(t *testing.T) {
		roles, _ := e.get("servicePrincipals(appId='" + directory.GraphAppID + "')").obj["appRoles"].([]any)
		var values []string
		for _, r := range roles {
			values = append(values, r.(map[string]any)["value"].(string))
		}
		for _, want := range []string{"Application.ReadWrite.All", "User.ReadWrite.All", "Policy.ReadWrite.ApplicationConfiguration"} {
			if !slices.Contains(values, want) {
				t.Fatalf("Graph appRoles %v lack %s", values, want)
			}
		}
	})

	t.Run("$filter by appId", func(t *testing.T) {
		r := e.get("servicePrincipals?$filter=" + url.QueryEscape("appId eq '"+eksAppID+"'"))
		if v := r.values(t); len(v) != 1 || v[0]["id"] != eksSPID {
			t.Fatalf("filter appId: %s", r.raw)
		}
	})

	t.Run("a second service principal for an app is refused", func(t *testing.T) {
		r := e.post("servicePrincipals", map[string]string{"appId": eksAppID})
		wantError(t, r, http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", eksAppID)
	})
	t.Run("a service principal for an unknown app is refused", func(t *testing.T) {
		wantError(t, e.post("servicePrincipals", map[string]string{"appId": "00000000-0000-4000-8000-000000000abc"}),
			http.StatusBadRequest, "Request_BadRequest", "")
	})
	t.Run("Microsoft Graph's service principal cannot be deleted", func(t *testing.T) {
		wantError(t, e.del("servicePrincipals/"+graphSPID), http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
	})
	t.Run("eks's own service principal is listed with its assignments", func(t *testing.T) {
		r := e.get("servicePrincipals/" + eksSPID + "/appRoleAssignments")
		wantStatus(t, r, http.StatusOK)
		var granted []string
		roleValue := map[string]string{}
		for _, role := range directory.GraphAppRoles() {
			roleValue[role.ID] = role.Value
		}
		for _, a := range r.values(t) {
			if a["principalId"] != eksSPID || a["resourceId"] != graphSPID || a["resourceDisplayName"] != "Microsoft Graph" {
				t.Fatalf("assignment = %v", a)
			}
			granted = append(granted, roleValue[a["appRoleId"].(string)])
		}
		slices.Sort(granted)
		if !slices.Equal(granted, []string{"Application.ReadWrite.All", "Policy.ReadWrite.ApplicationConfiguration", "User.ReadWrite.All"}) {
			t.Fatalf("eks's granted roles = %v", granted)
		}
	})
}

// TestAppRoleAssignmentGrantsPermission: an appRoleAssignment is admin
// consent; new client-credentials tokens carry it, old ones do not.
func TestAppRoleAssignmentGrantsPermission(t *testing.T) {
	e := newEnv(t)
	admin := e.delegatedToken(adeleID)
	late := e.registerClient("late-consent", nil)
	userRead, _ := directory.GraphAppRoleByValue("User.Read.All")

	oldToken := e.appToken(late.AppID, late.Secret)
	wantError(t, e.do("GET", "users", oldToken, nil), http.StatusForbidden, "Authorization_RequestDenied", msgDenied)

	r := e.do("POST", "servicePrincipals/"+late.SPID+"/appRoleAssignments", admin,
		map[string]string{"principalId": late.SPID, "resourceId": graphSPID, "appRoleId": userRead.ID})
	wantStatus(t, r, http.StatusCreated)
	assignmentID := r.str("id")
	for k, want := range map[string]any{"principalId": late.SPID, "resourceId": graphSPID, "appRoleId": userRead.ID,
		"principalType": "ServicePrincipal", "principalDisplayName": "late-consent", "resourceDisplayName": "Microsoft Graph"} {
		if r.obj[k] != want {
			t.Errorf("assignment %s = %v, want %v", k, r.obj[k], want)
		}
	}

	t.Run("tokens issued before keep their roles", func(t *testing.T) {
		wantError(t, e.do("GET", "users", oldToken, nil), http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
	})
	t.Run("a new token carries the role", func(t *testing.T) {
		tok := e.appToken(late.AppID, late.Secret)
		if roles := rolesOf(t, tok); !slices.Equal(roles, []string{"User.Read.All"}) {
			t.Fatalf("roles = %v, want [User.Read.All]", roles)
		}
		wantStatus(t, e.do("GET", "users", tok, nil), http.StatusOK)
		wantError(t, e.do("PATCH", "users/"+alexID, tok, `{"displayName":"x"}`), http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
	})
	t.Run("listed on the principal", func(t *testing.T) {
		v := e.do("GET", "servicePrincipals/"+late.SPID+"/appRoleAssignments", admin, nil).values(t)
		if len(v) != 1 || v[0]["id"] != assignmentID {
			t.Fatalf("assignments = %v, want exactly %s", v, assignmentID)
		}
	})

	refused := []struct {
		name   string
		body   map[string]string
		status int
		code   string
	}{
		{"duplicate", map[string]string{"principalId": late.SPID, "resourceId": graphSPID, "appRoleId": userRead.ID}, 400, "Request_BadRequest"},
		{"unknown app role", map[string]string{"principalId": late.SPID, "resourceId": graphSPID, "appRoleId": "00000000-0000-4000-8000-000000000abc"}, 400, "Request_BadRequest"},
		{"principal other than the URL's", map[string]string{"principalId": eksSPID, "resourceId": graphSPID, "appRoleId": userRead.ID}, 400, "Request_BadRequest"},
		{"unknown resource", map[string]string{"principalId": late.SPID, "resourceId": "00000000-0000-4000-8000-000000000abc", "appRoleId": userRead.ID}, 404, "Request_ResourceNotFound"},
	}
	for _, tt := range refused {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			wantError(t, e.do("POST", "servicePrincipals/"+late.SPID+"/appRoleAssignments", admin, tt.body), tt.status, tt.code, "")
		})
	}

	t.Run("delete revokes it for new tokens", func(t *testing.T) {
		wantNoContent(t, e.do("DELETE", "servicePrincipals/"+late.SPID+"/appRoleAssignments/"+assignmentID, admin, nil))
		if roles := rolesOf(t, e.appToken(late.AppID, late.Secret)); len(roles) != 0 {
			t.Fatalf("roles after delete = %v, want none", roles)
		}
		wantError(t, e.do("DELETE", "servicePrincipals/"+late.SPID+"/appRoleAssignments/"+assignmentID, admin, nil),
			http.StatusNotFound, "Request_ResourceNotFound", assignmentID)
	})
}
