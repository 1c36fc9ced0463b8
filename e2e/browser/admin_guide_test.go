package browser_test

import (
	"slices"
	"strings"
	"testing"
)

// The guide's steps in the admin centre (scenarios/admin-guide.mjs, one
// phase each) and the Graph requests the guide makes in between.

// permissionRow is a row of the API permissions table.
type permissionRow struct {
	Permission string `json:"permission"`
	Type       string `json:"type"`
	Granted    bool   `json:"granted"`
	Status     string `json:"status"`
}

// pageFacts is what every admin page shows after a change.
type pageFacts struct {
	Title  string  `json:"title"`
	Notice *string `json:"notice"`
	Error  *string `json:"error"`
}

func (f pageFacts) notice() string { return deref(f.Notice) }

// deref is a text a scenario may have found (nil: no such element), for
// comparisons and messages.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// testConsent: sign in, App registrations → eks → API permissions → Add a
// permission → Grant admin consent; Authentication: the eks portal's
// redirect URIs.
func (a *adminEnv) testConsent(t *testing.T) {
	cfg := a.srv.Config
	var got struct {
		adminOutcome
		Signin struct {
			Status int `json:"status"`
		} `json:"signin"`
		Overview struct {
			At       string `json:"at"`
			TenantID string `json:"tenantID"`
			User     string `json:"user"`
			Roles    string `json:"roles"`
		} `json:"overview"`
		App struct {
			ClientID string `json:"clientId"`
			ObjectID string `json:"objectId"`
		} `json:"app"`
		PermissionsBefore []permissionRow `json:"permissionsBefore"`
		PermissionsAdded  struct {
			pageFacts
			Rows          []permissionRow `json:"rows"`
			ConsentNeeded *string         `json:"consentNeeded"`
		} `json:"permissionsAdded"`
		PermissionsGranted struct {
			pageFacts
			Rows          []permissionRow `json:"rows"`
			ConsentNeeded *string         `json:"consentNeeded"`
		} `json:"permissionsGranted"`
		Authentication struct {
			pageFacts
			RedirectURIs []string `json:"redirectURIs"`
		} `json:"authentication"`
	}
	a.browser.runScenario(t, "admin-guide", "admin-1-consent", a.guideInput("consent"), &got)
	logLayout(t, "admin-1-consent", got.Layout)

	if got.Signin.Status != 200 || got.Overview.At != "/" || got.Overview.TenantID != cfg.TenantID {
		t.Fatalf("adele's sign-in ended with status %d at %s showing tenant %q; want the overview of %s",
			got.Signin.Status, got.Overview.At, got.Overview.TenantID, cfg.TenantID)
	}
	if got.Overview.User != "Adele Vance" || got.Overview.Roles != "Global Administrator" {
		t.Errorf("header shows %q with roles %q, want Adele Vance, Global Administrator", got.Overview.User, got.Overview.Roles)
	}
	if got.App.ClientID != cfg.ClientID || got.App.ObjectID != cfg.ApplicationObjectID {
		t.Errorf("eks overview shows client id %q, object id %q; want %s, %s", got.App.ClientID, got.App.ObjectID, cfg.ClientID, cfg.ApplicationObjectID)
	}
	for _, p := range guidePermissions {
		if row, ok := findPermission(got.PermissionsBefore, p); !ok || row.Type != "Role" || !row.Granted {
			t.Errorf("API permissions before any change: %s is %+v (listed %t); want an application permission granted by the seed", p, row, ok)
		}
	}
	added := got.PermissionsAdded
	if row, ok := findPermission(added.Rows, addedPermission); !ok || row.Type != "Role" || row.Granted || !strings.HasPrefix(row.Status, "Not granted") {
		t.Errorf("after adding %s: its row is %+v (listed %t); want an application permission, not granted", addedPermission, row, ok)
	}
	if added.ConsentNeeded == nil || !strings.HasPrefix(added.notice(), "Permissions added.") {
		t.Errorf("after adding %s: notice %q, consent warning %v; want both", addedPermission, added.notice(), added.ConsentNeeded)
	}
	granted := got.PermissionsGranted
	if granted.notice() != "Admin consent was granted." || granted.ConsentNeeded != nil {
		t.Errorf("after Grant admin consent: notice %q, consent warning %v; want the notice and no warning", granted.notice(), granted.ConsentNeeded)
	}
	for _, p := range append(slices.Clone(guidePermissions), addedPermission) {
		if row, ok := findPermission(granted.Rows, p); !ok || !row.Granted || row.Status != "Granted" {
			t.Errorf("after Grant admin consent: %s is %+v (listed %t); want granted", p, row, ok)
		}
	}
	auth := got.Authentication
	if auth.notice() != "Your changes were saved." {
		t.Errorf("after saving Authentication: notice %q, error %v", auth.notice(), auth.Error)
	}
	for _, u := range append([]string{"http://localhost:8000", "http://localhost:18000"}, a.portalRedirectURIs()...) {
		if !slices.Contains(auth.RedirectURIs, u) {
			t.Errorf("eks web redirect URIs after saving = %v, want %s among them", auth.RedirectURIs, u)
		}
	}
}

func findPermission(rows []permissionRow, value string) (permissionRow, bool) {
	for _, r := range rows {
		if r.Permission == value {
			return r, true
		}
	}
	return permissionRow{}, false
}

// createExtensions: the guide's steps 4 to 6 in its own form, raw Graph
// requests: an app-only token by client credentials, POST
// /v1.0/applications/{objectId}/extensionProperties for each attribute,
// and PATCH /v1.0/users/{id} with alex's values (dashless names).
func (a *adminEnv) createExtensions(t *testing.T) {
	cfg := a.srv.Config
	g := appOnlyGraphClient(t, a.srv)
	for _, name := range guideClaims {
		created := g.must(t, "POST", "/v1.0/applications/"+cfg.ApplicationObjectID+"/extensionProperties",
			map[string]any{"name": name, "dataType": "String", "targetObjects": []string{"User"}}, 201)
		if got, want := created["name"], a.extensionName(name); got != want {
			t.Fatalf("extension property %s: name %v, want %s", name, got, want)
		}
	}
	g.must(t, "PATCH", "/v1.0/users/"+a.user.ID, map[string]any{
		a.extensionName("default_namespace"): guideNamespace,
		a.extensionName("picture"):           a.picture,
	}, 204)
}

// claimRow is a row of Attributes & Claims.
type claimRow struct {
	Name  string   `json:"name"`
	Cells []string `json:"cells"`
}

// auditRow is a row of Audit logs.
type auditRow struct {
	Activity  string `json:"activity"`
	Result    string `json:"result"`
	By        string `json:"by"`
	ActorType string `json:"actorType"`
}

// signInTestView is the user page's sign-in test result.
type signInTestView struct {
	Failure  *string           `json:"failure"`
	Lifetime *string           `json:"lifetime"`
	Claims   map[string]string `json:"claims"`
}

// testClaims: the user page shows the values set through Graph; Enterprise
// applications → eks → Single sign-on → Add new claim, Directory schema
// extension, for each claim; the AADSTS50146 banner; the sign-in test
// predicts the failure, and kubelogin meets it.
func (a *adminEnv) testClaims(t *testing.T) {
	cfg := a.srv.Config
	var got struct {
		adminOutcome
		User struct {
			Title      string            `json:"title"`
			Extensions map[string]string `json:"extensions"`
		} `json:"user"`
		SP struct {
			ObjectID string `json:"objectId"`
		} `json:"sp"`
		SSOBefore struct {
			Claims []claimRow `json:"claims"`
			Banner *string    `json:"banner"`
		} `json:"ssoBefore"`
		Added []struct {
			Apps       []string `json:"apps"`
			Extensions []string `json:"extensions"`
			Review     struct {
				Name      string `json:"name"`
				Attribute string `json:"attribute"`
			} `json:"review"`
			Notice string `json:"notice"`
		} `json:"added"`
		SSOAfter struct {
			Claims []claimRow `json:"claims"`
			Banner *string    `json:"banner"`
		} `json:"ssoAfter"`
		SignInTest signInTestView `json:"signInTest"`
	}
	a.browser.runScenario(t, "admin-guide", "admin-2-claims", a.guideInput("claims"), &got)
	logLayout(t, "admin-2-claims", got.Layout)

	for name, want := range map[string]string{"default_namespace": guideNamespace, "picture": a.picture} {
		if v := got.User.Extensions[a.extensionName(name)]; v != want {
			t.Errorf("%s's page shows %s = %q, want %q (set through Graph)", got.User.Title, a.extensionName(name), v, want)
		}
	}
	if got.SP.ObjectID != cfg.ServicePrincipalID {
		t.Errorf("eks enterprise application object id %q, want %s", got.SP.ObjectID, cfg.ServicePrincipalID)
	}
	if len(got.SSOBefore.Claims) != 0 || got.SSOBefore.Banner != nil {
		t.Errorf("Single sign-on before adding claims: %+v, banner %v; want no claims and no banner", got.SSOBefore.Claims, got.SSOBefore.Banner)
	}
	if len(got.Added) != len(guideClaims) {
		t.Fatalf("added %d claims, want %d", len(got.Added), len(guideClaims))
	}
	for i, name := range guideClaims {
		step := got.Added[i]
		if !slices.ContainsFunc(step.Apps, func(s string) bool { return strings.HasPrefix(s, eksAppName) }) {
			t.Errorf("Add new claim %s: Select Application offers %v, want eks", name, step.Apps)
		}
		if !slices.Contains(step.Extensions, "user."+name) {
			t.Errorf("Add new claim %s: Add Extension Attributes offers %v, want user.%s", name, step.Extensions, name)
		}
		if step.Review.Name != name || step.Review.Attribute != "user."+name {
			t.Errorf("Add new claim %s: review shows %+v, want %s from user.%s", name, step.Review, name, name)
		}
		if !strings.HasPrefix(step.Notice, "The claim was added.") {
			t.Errorf("Add new claim %s: notice %q after Save", name, step.Notice)
		}
	}
	var names []string
	for _, c := range got.SSOAfter.Claims {
		names = append(names, c.Name)
		if !slices.Contains(c.Cells, "Directory schema extension") || !slices.Contains(c.Cells, "user."+c.Name+" ("+eksAppName+")") {
			t.Errorf("Attributes & Claims row %s = %v, want a directory schema extension user.%s (eks)", c.Name, c.Cells, c.Name)
		}
	}
	if !slices.Equal(names, guideClaims) {
		t.Errorf("Attributes & Claims lists %v, want %v", names, guideClaims)
	}
	if b := got.SSOAfter.Banner; b == nil || !strings.Contains(*b, "AADSTS50146") || !strings.Contains(*b, "acceptMappedClaims") {
		t.Errorf("Single sign-on after adding the claims: banner %v, want the AADSTS50146 warning naming acceptMappedClaims", b)
	}
	if f := got.SignInTest.Failure; f == nil || !strings.Contains(*f, "AADSTS50146") {
		t.Errorf("%s's sign-in test for eks: failure %v, claims %v; want AADSTS50146 predicted", a.user.UserPrincipalName, f, got.SignInTest.Claims)
	}

	// What the banner says is what a sign-in meets.
	if _, stderr, err := kubeloginPassword(t, a.kubelogin, cfg, a.user); err == nil || !strings.Contains(stderr, "AADSTS50146") {
		t.Errorf("kubelogin before acceptMappedClaims: err %v, want a failure naming AADSTS50146\nstderr:\n%s", err, stderr)
	}
}

// testManifestAndLifetime: the banner's "Fix it in the manifest", the
// editor's acceptMappedClaims set to true and saved, the banner gone; Token
// lifetime policies → New policy 04:00:00; eks → Token lifetime → Assign;
// the sign-in test now shows both claims and 4 hours.
func (a *adminEnv) testManifestAndLifetime(t *testing.T) {
	var got struct {
		adminOutcome
		BannerBefore   *string `json:"bannerBefore"`
		ManifestBefore *string `json:"manifestBefore"`
		ManifestSaved  struct {
			pageFacts
			Value *string `json:"value"`
		} `json:"manifestSaved"`
		BannerAfter   *string    `json:"bannerAfter"`
		Claims        []claimRow `json:"claims"`
		PolicyCreated struct {
			Notice string     `json:"notice"`
			Rows   []claimRow `json:"rows"`
		} `json:"policyCreated"`
		LifetimeBefore   string `json:"lifetimeBefore"`
		PolicyOption     string `json:"policyOption"`
		LifetimeAssigned struct {
			Notice    string   `json:"notice"`
			Effective string   `json:"effective"`
			Assigned  []string `json:"assigned"`
		} `json:"lifetimeAssigned"`
		Policies     []claimRow     `json:"policies"`
		SignInTest   signInTestView `json:"signInTest"`
		Audit        []auditRow     `json:"audit"`
		GlobalAdmins []string       `json:"globalAdmins"`
	}
	a.browser.runScenario(t, "admin-guide", "admin-3-manifest", a.guideInput("manifest"), &got)
	logLayout(t, "admin-3-manifest", got.Layout)

	if got.BannerBefore == nil {
		t.Errorf("Single sign-on lost the AADSTS50146 banner before the manifest was changed")
	}
	if v := got.ManifestBefore; v == nil || *v != `"acceptMappedClaims": null` {
		t.Errorf("manifest before the change has %v, want \"acceptMappedClaims\": null", v)
	}
	if s := got.ManifestSaved; s.notice() != "Your changes were saved." || s.Value == nil || *s.Value != `"acceptMappedClaims": true` {
		t.Errorf("manifest after Save: notice %q, error %v, %v; want saved with \"acceptMappedClaims\": true", s.notice(), s.Error, s.Value)
	}
	if got.BannerAfter != nil || len(got.Claims) != len(guideClaims) {
		t.Errorf("Single sign-on after acceptMappedClaims: banner %q, claims %v; want no banner and both claims", deref(got.BannerAfter), got.Claims)
	}

	wantLifetime := guidePolicyName + " (4 hours)"
	if row, ok := policyRow(got.PolicyCreated.Rows, guidePolicyName); got.PolicyCreated.Notice != "Created." || !ok || row.Cells[0] != "4 hours" {
		t.Errorf("after New policy: notice %q, rows %v; want %s", got.PolicyCreated.Notice, got.PolicyCreated.Rows, wantLifetime)
	}
	if !strings.Contains(got.LifetimeBefore, "1 hour") {
		t.Errorf("eks Token lifetime before the assignment says %q, want Entra's default 1 hour", got.LifetimeBefore)
	}
	if got.PolicyOption != wantLifetime {
		t.Errorf("eks Token lifetime offers the existing policy as %q, want %q", got.PolicyOption, wantLifetime)
	}
	la := got.LifetimeAssigned
	if !strings.HasPrefix(la.Notice, "The token lifetime policy is assigned.") || !strings.Contains(la.Effective, "live 4 hours") ||
		len(la.Assigned) != 1 || !strings.HasPrefix(la.Assigned[0], guidePolicyName) {
		t.Errorf("eks Token lifetime after Assign: notice %q, %q, assigned %v; want %s assigned and 4 hours", la.Notice, la.Effective, la.Assigned, wantLifetime)
	}
	if row, ok := policyRow(got.Policies, guidePolicyName); !ok || len(row.Cells) < 3 || row.Cells[2] != eksAppName {
		t.Errorf("Token lifetime policies: %s row %v, want it to apply to eks", guidePolicyName, row.Cells)
	}

	st := got.SignInTest
	if st.Failure != nil || st.Lifetime == nil || *st.Lifetime != "4 hours" {
		t.Errorf("%s's sign-in test for eks: failure %v, lifetime %v; want no failure and 4 hours", a.user.UserPrincipalName, st.Failure, st.Lifetime)
	}
	if st.Claims["default_namespace"] != guideNamespace || st.Claims["picture"] != a.picture {
		t.Errorf("sign-in test claims default_namespace %q, picture %q; want %q, %q",
			st.Claims["default_namespace"], st.Claims["picture"], guideNamespace, a.picture)
	}

	// The log holds every change to the directory: adele's in the admin
	// centre, the guide's Graph calls made by eks with its app-only token,
	// and the demo data Gatehouse itself wrote. All of them succeeded.
	var activities []string
	for _, r := range got.Audit {
		wantType := map[string]string{a.admin.UserPrincipalName: "user", eksAppName: "application", "Gatehouse": "system"}[r.By]
		if r.Result != "success" || wantType == "" || r.ActorType != wantType {
			t.Errorf("audit log: %q by %q (%s): %s; want successes by adele (user), eks (application) or Gatehouse (system)",
				r.Activity, r.By, r.ActorType, r.Result)
		}
		if r.By == a.admin.UserPrincipalName {
			activities = append(activities, r.Activity)
		}
	}
	if !slices.Contains(got.GlobalAdmins, a.admin.DisplayName) {
		t.Errorf("Roles and administrators → Global Administrator lists %v, want %s", got.GlobalAdmins, a.admin.DisplayName)
	}
	if !slices.ContainsFunc(got.Audit, func(r auditRow) bool {
		return r.By == eksAppName && r.Activity == "Update user"
	}) {
		t.Errorf("audit log lacks the guide's Graph PATCH of the user by eks: %v", got.Audit)
	}
	for _, want := range []string{"Update application – API permissions", "Update application – Authentication",
		"Update application – Manifest (api)", "Add policy", "Add policy to application"} {
		if !slices.Contains(activities, want) {
			t.Errorf("audit log %v lacks %q", activities, want)
		}
	}
}

func policyRow(rows []claimRow, name string) (claimRow, bool) {
	for _, r := range rows {
		if r.Name == name && len(r.Cells) > 0 {
			return r, true
		}
	}
	return claimRow{}, false
}
