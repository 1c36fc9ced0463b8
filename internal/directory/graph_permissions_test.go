package directory

import "testing"

func TestGraphAppRolesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range GraphAppRoles() {
		if !IsGUID(r.ID) || r.Value == "" || seen[r.ID] {
			t.Fatalf("bad or duplicate Graph app role %+v", r)
		}
		seen[r.ID] = true
	}
	for value, id := range map[string]string{
		"Policy.ReadWrite.ApplicationConfiguration": "be74164b-cff1-491c-8741-e671cb536e13",
		"Application.ReadWrite.All":                 "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
		"User.ReadWrite.All":                        "741f803b-c850-494e-b5df-cde7c675a1ca",
	} {
		r, ok := GraphAppRoleByValue(value)
		if !ok || r.ID != id {
			t.Errorf("GraphAppRoleByValue(%q) = %v, %v; want id %s", value, r.ID, ok, id)
		}
	}
}
