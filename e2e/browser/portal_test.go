package browser_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// avatarView is what a scenario saw of an avatar.
type avatarView struct {
	State        string `json:"state"` // loaded, fallback, initials
	Src          string `json:"src"`
	NaturalWidth int    `json:"naturalWidth"`
	Initials     string `json:"initials"`
}

// headerView is the page header's user part.
type headerView struct {
	UserName         string      `json:"userName"`
	SessionRemaining string      `json:"sessionRemaining"`
	Avatar           *avatarView `json:"avatar"`
}

// sourcedNamespace is an allowed namespace and where it came from.
type sourcedNamespace struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

// TestPortal runs the portal's scenarios in order against one issuer and
// one cluster, since a cluster takes seconds to start; the expiry scenario
// restarts the issuer with a shifted clock and so comes last.
func TestPortal(t *testing.T) {
	e := startEnv(t)
	for _, sc := range []struct {
		name string
		run  func(*testing.T, *env)
	}{
		{"claim user sees team-a and its pods", testClaimUser},
		{"user without the claim sets a namespace by hand", testNoClaimUser},
		{"user without RBAC gets the 403 explanation", testNoRBACUser},
		{"expired session shows sign-in again, not a loop", testExpiry},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, e) })
	}
}

// testClaimUser: adele's ID token carries default_namespace=team-a and a
// picture URL.
func testClaimUser(t *testing.T, e *env) {
	adele := e.user(t, "adele")
	var got struct {
		scenarioOutcome
		Home struct {
			URL              string     `json:"url"`
			Title            string     `json:"title"`
			DefaultNamespace string     `json:"defaultNamespace"`
			DefaultSource    string     `json:"defaultSource"`
			Allowed          []string   `json:"allowed"`
			Header           headerView `json:"header"`
		} `json:"home"`
		Account struct {
			DefaultNamespace string             `json:"defaultNamespace"`
			DefaultSource    string             `json:"defaultSource"`
			Allowed          []sourcedNamespace `json:"allowed"`
			Claim            string             `json:"claim"`
			KubeUsername     string             `json:"kubeUsername"`
			KubeGroups       []string           `json:"kubeGroups"`
			Avatar           *avatarView        `json:"avatar"`
		} `json:"account"`
		Namespaces struct {
			Limited bool `json:"limited"`
			Rows    []struct {
				Name      string `json:"name"`
				Allowed   bool   `json:"allowed"`
				IsDefault bool   `json:"isDefault"`
			} `json:"rows"`
		} `json:"namespaces"`
		Namespace struct {
			Title string   `json:"title"`
			Tabs  []string `json:"tabs"`
			Pods  []struct {
				Name  string   `json:"name"`
				Cells []string `json:"cells"`
			} `json:"pods"`
		} `json:"namespace"`
	}
	e.browser.runScenario(t, "claim-user", "claim-user", e.input(map[string]any{"user": creds(adele), "namespace": teamA}), &got)

	if want := e.srv.Config.PortalURL + "/"; got.Home.URL != want {
		t.Errorf("after sign-in the browser is at %s, want the overview %s", got.Home.URL, want)
	}
	if got.Home.Title != "Welcome, Adele Vance" {
		t.Errorf("overview title = %q, want %q", got.Home.Title, "Welcome, Adele Vance")
	}
	if got.Home.DefaultNamespace != teamA || got.Home.DefaultSource != "claim" {
		t.Errorf("overview default namespace = %q (source %q), want %q from the claim", got.Home.DefaultNamespace, got.Home.DefaultSource, teamA)
	}
	if !slices.Equal(got.Home.Allowed, []string{teamA}) {
		t.Errorf("overview allowed namespaces = %v, want [%s]", got.Home.Allowed, teamA)
	}
	wantPicture := e.srv.Config.HTTPBaseURL + "/static/demo/adele.svg"
	for place, av := range map[string]*avatarView{"header": got.Home.Header.Avatar, "account": got.Account.Avatar} {
		switch {
		case av == nil:
			t.Errorf("%s avatar missing", place)
		case av.Src != wantPicture:
			t.Errorf("%s avatar img src = %q, want the picture claim %q", place, av.Src, wantPicture)
		case av.State != "loaded" || av.NaturalWidth == 0:
			t.Errorf("%s avatar state %q, natural width %d; want the picture loaded", place, av.State, av.NaturalWidth)
		}
	}

	if got.Account.DefaultNamespace != teamA || got.Account.DefaultSource != "claim" {
		t.Errorf("account default namespace = %q (source %q), want %q from the claim", got.Account.DefaultNamespace, got.Account.DefaultSource, teamA)
	}
	if want := []sourcedNamespace{{teamA, "claim"}}; !slices.Equal(got.Account.Allowed, want) {
		t.Errorf("account allowed namespaces = %v, want %v", got.Account.Allowed, want)
	}
	if got.Account.Claim != teamA {
		t.Errorf("account shows the claim as %q, want %q", got.Account.Claim, teamA)
	}
	if want := claimPrefix + adele.UserPrincipalName; got.Account.KubeUsername != want {
		t.Errorf("account Kubernetes username = %q, want %q", got.Account.KubeUsername, want)
	}
	for _, g := range []string{claimPrefix + platformEngineersGroup, claimPrefix + developersGroup, "system:authenticated"} {
		if !slices.Contains(got.Account.KubeGroups, g) {
			t.Errorf("account Kubernetes groups = %v, want %s among them", got.Account.KubeGroups, g)
		}
	}

	if got.Namespaces.Limited {
		t.Errorf("namespaces page says the list is limited; adele may list namespaces")
	}
	var names []string
	for _, row := range got.Namespaces.Rows {
		names = append(names, row.Name)
	}
	switch {
	case len(got.Namespaces.Rows) == 0:
		t.Errorf("namespaces page lists nothing")
	case got.Namespaces.Rows[0].Name != teamA || !got.Namespaces.Rows[0].Allowed || !got.Namespaces.Rows[0].IsDefault:
		t.Errorf("namespaces page rows %+v, want %s first, allowed and default", got.Namespaces.Rows, teamA)
	case !slices.Contains(names, "default") || !slices.Contains(names, teamB):
		t.Errorf("namespaces page lists %v, want every namespace (default, %s among them)", names, teamB)
	}

	var pods []string
	for _, p := range got.Namespace.Pods {
		pods = append(pods, p.Name)
		if !slices.Contains(p.Cells, "Pending") {
			t.Errorf("pod %s row %v, want status Pending (no kubelet runs it)", p.Name, p.Cells)
		}
	}
	if !slices.Equal(pods, teamAPods) {
		t.Errorf("namespace %s lists pods %v, want %v", teamA, pods, teamAPods)
	}
	if !slices.Contains(got.Namespace.Tabs, "pods") || !slices.Contains(got.Namespace.Tabs, "deployments") {
		t.Errorf("namespace tabs = %v, want pods and deployments among them", got.Namespace.Tabs)
	}
}

// testNoClaimUser: a user created through Graph without the extension value
// has no default_namespace claim.
func testNoClaimUser(t *testing.T, e *env) {
	megan := e.createUser(t, "megan", "Megan Bowen")
	wantAllowed := []string{"sandbox", "experiments"}
	var got struct {
		scenarioOutcome
		Before struct {
			DefaultNamespace *string     `json:"defaultNamespace"`
			EmptyStates      []string    `json:"emptyStates"`
			Avatar           *avatarView `json:"avatar"`
		} `json:"before"`
		AccountBefore struct {
			DefaultNamespace string `json:"defaultNamespace"`
			DefaultSource    string `json:"defaultSource"`
			Claim            string `json:"claim"`
		} `json:"accountBefore"`
		Saved struct {
			Notice           string             `json:"notice"`
			DefaultNamespace string             `json:"defaultNamespace"`
			DefaultSource    string             `json:"defaultSource"`
			Allowed          []sourcedNamespace `json:"allowed"`
		} `json:"saved"`
		SignedOut struct {
			Title string `json:"title"`
		} `json:"signedOut"`
		After struct {
			DefaultNamespace string   `json:"defaultNamespace"`
			DefaultSource    string   `json:"defaultSource"`
			Allowed          []string `json:"allowed"`
		} `json:"after"`
		Namespaces struct {
			Limited bool     `json:"limited"`
			Rows    []string `json:"rows"`
		} `json:"namespaces"`
		SignInCount int `json:"signInCount"`
	}
	e.browser.runScenario(t, "no-claim-user", "no-claim-user", e.input(map[string]any{
		"user": creds(megan), "defaultNamespace": wantAllowed[0], "allowed": wantAllowed}), &got)

	if got.Before.DefaultNamespace != nil {
		t.Errorf("overview shows default namespace %q for a user without the claim", *got.Before.DefaultNamespace)
	}
	for _, want := range []string{"No default namespace yet", "No allowed namespaces"} {
		if !slices.Contains(got.Before.EmptyStates, want) {
			t.Errorf("overview empty states = %q, want %q among them", got.Before.EmptyStates, want)
		}
	}
	if av := got.Before.Avatar; av == nil || av.State != "initials" || av.Src != "" || av.Initials != "MB" {
		t.Errorf("header avatar = %+v, want the initials MB and no picture", av)
	}
	if got.AccountBefore.DefaultNamespace != "" || got.AccountBefore.DefaultSource != "" || got.AccountBefore.Claim != "not in your ID token" {
		t.Errorf("account before saving: default %q (source %q), claim %q; want empty, no source, %q",
			got.AccountBefore.DefaultNamespace, got.AccountBefore.DefaultSource, got.AccountBefore.Claim, "not in your ID token")
	}
	if got.Saved.Notice == "" || got.Saved.DefaultNamespace != wantAllowed[0] || got.Saved.DefaultSource != "user" {
		t.Errorf("account after saving: notice %q, default %q (source %q); want the saved notice and %q set by the user",
			got.Saved.Notice, got.Saved.DefaultNamespace, got.Saved.DefaultSource, wantAllowed[0])
	}
	if want := []sourcedNamespace{{wantAllowed[0], "user"}, {wantAllowed[1], "user"}}; !slices.Equal(got.Saved.Allowed, want) {
		t.Errorf("account allowed namespaces after saving = %v, want %v", got.Saved.Allowed, want)
	}
	if got.SignedOut.Title != "You signed out" {
		t.Errorf("after sign-out the page title is %q, want %q", got.SignedOut.Title, "You signed out")
	}
	if got.After.DefaultNamespace != wantAllowed[0] || got.After.DefaultSource != "user" || !slices.Equal(got.After.Allowed, wantAllowed) {
		t.Errorf("after signing in again: default %q (source %q), allowed %v; want %q set by the user, allowed %v",
			got.After.DefaultNamespace, got.After.DefaultSource, got.After.Allowed, wantAllowed[0], wantAllowed)
	}
	// The user may not list namespaces: the page shows the allowed ones.
	if !got.Namespaces.Limited || !slices.Equal(got.Namespaces.Rows, wantAllowed) {
		t.Errorf("namespaces page: limited %t, rows %v; want limited to %v", got.Namespaces.Limited, got.Namespaces.Rows, wantAllowed)
	}
	if got.SignInCount != 2 {
		t.Errorf("the portal started %d sign-ins for two", got.SignInCount)
	}
}

// testNoRBACUser: no role binding names alex or his group developers.
func testNoRBACUser(t *testing.T, e *env) {
	alex := e.user(t, "alex")
	var got struct {
		scenarioOutcome
		Home struct {
			DefaultNamespace string      `json:"defaultNamespace"`
			Avatar           *avatarView `json:"avatar"`
		} `json:"home"`
		Namespaces struct {
			Limited bool     `json:"limited"`
			Rows    []string `json:"rows"`
		} `json:"namespaces"`
		ForbiddenStatus int `json:"forbiddenStatus"`
		Forbidden       struct {
			Present      bool     `json:"present"`
			Title        string   `json:"title"`
			Permission   string   `json:"permission"`
			Username     string   `json:"username"`
			Groups       []string `json:"groups"`
			Hint         string   `json:"hint"`
			IdentityNote *string  `json:"identityNote"`
		} `json:"forbidden"`
		SignInCount int `json:"signInCount"`
	}
	e.browser.runScenario(t, "no-rbac-user", "no-rbac-user", e.input(map[string]any{"user": creds(alex), "namespace": teamB}), &got)

	if got.Home.DefaultNamespace != teamB {
		t.Errorf("overview default namespace = %q, want %q from the claim", got.Home.DefaultNamespace, teamB)
	}
	if av := got.Home.Avatar; av == nil || av.State != "initials" || av.Src != "" || av.Initials != "AW" {
		t.Errorf("header avatar = %+v, want the initials AW and no picture (alex has none)", av)
	}
	if !got.Namespaces.Limited || !slices.Equal(got.Namespaces.Rows, []string{teamB}) {
		t.Errorf("namespaces page: limited %t, rows %v; want limited to [%s]", got.Namespaces.Limited, got.Namespaces.Rows, teamB)
	}
	f := got.Forbidden
	if got.ForbiddenStatus != 403 || !f.Present {
		t.Fatalf("namespace %s answered %d (403 page shown: %t), want the 403 page", teamB, got.ForbiddenStatus, f.Present)
	}
	if want := "list pods in namespace " + teamB; f.Permission != want {
		t.Errorf("missing permission = %q, want %q", f.Permission, want)
	}
	wantUser := claimPrefix + alex.UserPrincipalName
	if f.Username != wantUser {
		t.Errorf("403 page names user %q, want %q (note: %v)", f.Username, wantUser, f.IdentityNote)
	}
	for _, g := range []string{claimPrefix + developersGroup, "system:authenticated"} {
		if !slices.Contains(f.Groups, g) {
			t.Errorf("403 page groups = %v, want %s among them", f.Groups, g)
		}
	}
	if slices.Contains(f.Groups, claimPrefix+platformEngineersGroup) {
		t.Errorf("403 page groups = %v include platform-engineers; alex is not a member", f.Groups)
	}
	if !strings.Contains(f.Hint, "--user="+wantUser) || !strings.Contains(f.Hint, "--namespace="+teamB) {
		t.Errorf("role binding hint = %q, want one for --user=%s --namespace=%s", f.Hint, wantUser, teamB)
	}
	if got.SignInCount != 1 {
		t.Errorf("the portal started %d sign-ins for one", got.SignInCount)
	}
}

// sessionFacts are the account page's session times (RFC 3339).
type sessionFacts struct {
	SignedInAt       string `json:"signedInAt"`
	SessionEndsAt    string `json:"sessionEndsAt"`
	IDTokenExpiresAt string `json:"idTokenExpiresAt"`
	Remaining        string `json:"remaining"`
}

func (f sessionFacts) times(t *testing.T) (signedIn, sessionEnds, idTokenExpires time.Time) {
	t.Helper()
	var out [3]time.Time
	for i, s := range []string{f.SignedInAt, f.SessionEndsAt, f.IDTokenExpiresAt} {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("account page session times %+v: %v", f, err)
		}
		out[i] = v
	}
	return out[0], out[1], out[2]
}

// testExpiry: ID tokens of 10 minutes (a token lifetime policy on the portal
// app); `gatehouse dev --time-offset` moves the clock of the issuer and the
// portal (one process), first past the ID token's expiry, then past the
// session's 12 hours. The API server keeps the real clock, so no cluster
// page is opened after a shift: it would refuse tokens issued "in the
// future".
func testExpiry(t *testing.T, e *env) {
	const idTokenLifetime = 10 * time.Minute
	e.setTokenLifetime(t, "00:10:00")
	adele := e.user(t, "adele")
	state := filepath.Join(t.TempDir(), "storage-state.json")
	params := func(phase string) map[string]any {
		return map[string]any{"phase": phase, "user": creds(adele), "storageState": state, "namespace": teamA}
	}

	var signin struct {
		scenarioOutcome
		Session sessionFacts `json:"session"`
	}
	e.browser.runScenario(t, "expiry", "expiry-1-signin", e.input(params("signin")), &signin)
	signedIn, sessionEnds, tokenExp := signin.Session.times(t)
	if life := tokenExp.Sub(signedIn); life < idTokenLifetime-time.Minute || life > idTokenLifetime+time.Minute {
		t.Fatalf("ID token expires %s after sign-in, want about %s (the lifetime policy)", life, idTokenLifetime)
	}
	if life := sessionEnds.Sub(signedIn); life < 11*time.Hour {
		t.Fatalf("session ends %s after sign-in, want the portal's 12h (tokens refresh)", life)
	}

	// Past the ID token's expiry, within the session: a silent refresh.
	offset := tokenExp.Sub(time.Now()) + time.Minute
	e.restart(t, harness.WithTimeOffset(offset.Round(time.Second)))
	var refreshed struct {
		scenarioOutcome
		Home struct {
			URL      string `json:"url"`
			SignedIn bool   `json:"signedIn"`
		} `json:"home"`
		Session     sessionFacts `json:"session"`
		SignInCount int          `json:"signInCount"`
	}
	e.browser.runScenario(t, "expiry", "expiry-2-refresh", e.input(params("refresh")), &refreshed)
	if !refreshed.Home.SignedIn || refreshed.SignInCount != 0 {
		t.Errorf("past the ID token's expiry: overview signed in %t at %s after %d sign-ins; want signed in without one",
			refreshed.Home.SignedIn, refreshed.Home.URL, refreshed.SignInCount)
	}
	signedIn2, _, tokenExp2 := refreshed.Session.times(t)
	if !signedIn2.Equal(signedIn) || !tokenExp2.After(tokenExp) {
		t.Errorf("after the refresh: signed in %s (was %s), ID token expires %s (was %s); want the same sign-in with a later expiry",
			signedIn2, signedIn, tokenExp2, tokenExp)
	}

	// Past the session's end: sign in again, once.
	offset = sessionEnds.Sub(time.Now()) + 5*time.Minute
	e.restart(t, harness.WithTimeOffset(offset.Round(time.Second)))
	var ended struct {
		scenarioOutcome
		DeepLink struct {
			URL         string   `json:"url"`
			Navigations []string `json:"navigations"`
		} `json:"deepLink"`
		Landing struct {
			Ended        *string `json:"ended"`
			SigninButton bool    `json:"signinButton"`
		} `json:"landing"`
		Again struct {
			URL         string   `json:"url"`
			Title       string   `json:"title"`
			Navigations []string `json:"navigations"`
		} `json:"again"`
	}
	e.browser.runScenario(t, "expiry", "expiry-3-ended", e.input(params("ended")), &ended)
	if !strings.HasPrefix(ended.DeepLink.URL, e.srv.Config.HTTPSBaseURL) || countSignIns(e, ended.DeepLink.Navigations) != 1 {
		t.Errorf("a deep link after the session ended went through %v to %s; want one sign-in, ending on the issuer's form",
			ended.DeepLink.Navigations, ended.DeepLink.URL)
	}
	if ended.Landing.Ended == nil || !ended.Landing.SigninButton {
		t.Errorf("overview after the session ended: notice %v, sign-in button %t; want both", ended.Landing.Ended, ended.Landing.SigninButton)
	}
	if ended.Again.Title != "Welcome, Adele Vance" || countSignIns(e, ended.Again.Navigations) != 1 {
		t.Errorf("signing in again went through %v to %q; want one sign-in and the overview", ended.Again.Navigations, ended.Again.Title)
	}
}

// countSignIns counts the sign-ins the portal started among navigations
// ("STATUS URL"): each goes through its /signin to the issuer.
func countSignIns(e *env, navigations []string) int {
	signin := e.srv.Config.PortalURL + "/signin"
	n := 0
	for _, nav := range navigations {
		_, url, _ := strings.Cut(nav, " ")
		if url == signin || strings.HasPrefix(url, signin+"?") {
			n++
		}
	}
	return n
}
