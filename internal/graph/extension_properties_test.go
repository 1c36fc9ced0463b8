package graph_test

import (
	"net/http"
	"testing"
)

func TestExtensionPropertyLifecycle(t *testing.T) {
	e := newEnv(t)
	id := e.createGuideExtension()
	other := e.registerClient("other-app", nil)

	t.Run("list and get", func(t *testing.T) {
		r := e.get("applications/" + eksObjID + "/extensionProperties")
		wantStatus(t, r, http.StatusOK)
		if want := e.Base + "/v1.0/$metadata#applications('" + eksObjID + "')/extensionProperties"; r.str("@odata.context") != want {
			t.Fatalf("@odata.context = %q, want %q", r.str("@odata.context"), want)
		}
		if v := r.values(t); len(v) != 1 || v[0]["id"] != id {
			t.Fatalf("list = %s", r.raw)
		}
		g := e.get("applications/" + eksObjID + "/extensionProperties/" + id)
		wantStatus(t, g, http.StatusOK)
		if g.str("name") != defaultNamespaceExt {
			t.Fatalf("GET name = %q", g.str("name"))
		}
	})

	t.Run("not reachable under another application", func(t *testing.T) {
		wantError(t, e.get("applications/"+other.ObjectID+"/extensionProperties/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
		wantError(t, e.del("applications/"+other.ObjectID+"/extensionProperties/"+id), http.StatusNotFound, "Request_ResourceNotFound", "")
		if v := e.get("applications/" + other.ObjectID + "/extensionProperties").values(t); len(v) != 0 {
			t.Fatalf("other app lists %v", v)
		}
	})

	t.Run("the same name on another app gets that app's prefix", func(t *testing.T) {
		r := e.post("applications/"+other.ObjectID+"/extensionProperties", guideExtensionBody)
		wantStatus(t, r, http.StatusCreated)
		want := "extension_" + noDash(other.AppID) + "_default_namespace"
		if r.str("name") != want || r.str("appDisplayName") != "other-app" {
			t.Fatalf("name/appDisplayName = %q/%q, want %q/other-app", r.str("name"), r.str("appDisplayName"), want)
		}
	})

	t.Run("getAvailableExtensionProperties", func(t *testing.T) {
		for _, tt := range []struct {
			body string
			want int
		}{
			{`{"isSyncedFromOnPremises":false}`, 2},
			{`{"isSyncedFromOnPremises":true}`, 0},
			{`{}`, 2},
		} {
			r := e.post("directoryObjects/getAvailableExtensionProperties", tt.body)
			wantStatus(t, r, http.StatusOK)
			if v := r.values(t); len(v) != tt.want {
				t.Fatalf("body %s: %d definitions, want %d: %s", tt.body, len(v), tt.want, r.raw)
			}
		}
		wantError(t, e.post("directoryObjects/getAvailableExtensionProperties", `{"isSyncedFromOnPremises":"no"}`),
			http.StatusBadRequest, "Request_BadRequest", "")
		wantError(t, e.post("directoryObjects/getAvailableExtensionProperties", `[1]`),
			http.StatusBadRequest, "Request_BadRequest", "")
	})

	t.Run("multi-valued and typed definitions", func(t *testing.T) {
		for _, tt := range []struct {
			name, dataType string
			multi          bool
			value          any
			want           any
		}{
			{"tags", "String", true, []string{"a", "b"}, []any{"a", "b"}},
			{"admin", "Boolean", false, true, true},
			{"seats", "Integer", false, 12, float64(12)},
			{"hired", "DateTime", false, "2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00Z"},
		} {
			r := e.post("applications/"+eksObjID+"/extensionProperties",
				map[string]any{"name": tt.name, "dataType": tt.dataType, "targetObjects": []string{"User"}, "isMultiValued": tt.multi})
			wantStatus(t, r, http.StatusCreated)
			name := r.str("name")
			wantNoContent(t, e.patch("users/"+alexID, map[string]any{name: tt.value}))
			got := e.get("users/" + alexID + "?$select=" + name).obj[name]
			if !equalJSON(got, tt.want) {
				t.Fatalf("%s (%s) = %#v, want %#v", name, tt.dataType, got, tt.want)
			}
		}
	})

	t.Run("deleting the definition hides the value; recreating shows it again", func(t *testing.T) {
		wantNoContent(t, e.patch("users/"+adeleID, map[string]any{defaultNamespaceExt: "team-a"}))
		wantNoContent(t, e.del("applications/"+eksObjID+"/extensionProperties/"+id))
		wantError(t, e.get("applications/"+eksObjID+"/extensionProperties/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
		wantError(t, e.patch("users/"+adeleID, map[string]any{defaultNamespaceExt: "team-b"}), http.StatusBadRequest, "Request_BadRequest", "not available")
		if v, ok := e.get("users/" + adeleID + "?$select=id," + defaultNamespaceExt).obj[defaultNamespaceExt]; ok {
			t.Fatalf("value %v still visible after its definition was deleted", v)
		}
		e.createGuideExtension()
		if v := e.get("users/" + adeleID + "?$select=" + defaultNamespaceExt).obj[defaultNamespaceExt]; v != "team-a" {
			t.Fatalf("value after recreating the definition = %v, want team-a", v)
		}
	})
}

func noDash(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

func equalJSON(got, want any) bool {
	switch w := want.(type) {
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if g[i] != w[i] {
				return false
			}
		}
		return true
	}
	return got == want
}
