package browser_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

const (
	graphAppID     = "00000003-0000-0000-c000-000000000000"
	userReadID     = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
	accessAsUserID = "0e263e50-5827-48a4-b97c-d940288653c7"
)

// consentView is what consent.mjs saw on one consent page.
type consentView struct {
	Title         string             `json:"title"`
	Permissions   []listedPermission `json:"permissions"`
	ForOrgOffered bool               `json:"forOrgOffered"`
	Code          bool               `json:"code"`
	Error         string             `json:"error"`
}

// listedPermission is one line of the consent page's permission list.
type listedPermission struct {
	Value string `json:"value"`
	Admin bool   `json:"admin"`
}

func (v consentView) lists(value string, admin bool) bool {
	return slices.Contains(v.Permissions, listedPermission{Value: value, Admin: admin})
}

// TestConsentPage: the consent page lists an app's permissions with their
// admin and user labels and records what was accepted: alex's own consent
// to User.Read, then adele's for the organization, after which alex gets
// the admin-only Directory.AccessAsUser.All without being asked.
func TestConsentPage(t *testing.T) {
	bt := requireBrowserTools(t)
	// The app's redirect URI: a page that only says it got the answer.
	appSite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<title>consent-demo</title>")
	}))
	t.Cleanup(appSite.Close)
	consentRedirect := strings.Replace(appSite.URL, "127.0.0.1", "localhost", 1) + "/cb"
	srv := harness.Start(t)
	cfg := srv.Config
	g := appOnlyGraphClient(t, srv)
	app := g.must(t, "POST", "/v1.0/applications", map[string]any{"displayName": "consent-demo",
		"web": map[string]any{"redirectUris": []string{consentRedirect}},
		"requiredResourceAccess": []any{map[string]any{"resourceAppId": graphAppID, "resourceAccess": []any{
			map[string]any{"id": userReadID, "type": "Scope"}, map[string]any{"id": accessAsUserID, "type": "Scope"}}}}}, 201)
	appID, _ := app["appId"].(string)
	g.must(t, "POST", "/v1.0/servicePrincipals", map[string]any{"appId": appID}, 201)
	secret, _ := g.must(t, "POST", "/v1.0/applications/"+app["id"].(string)+"/addPassword", map[string]any{}, 200)["secretText"].(string)

	user := func(name string) harness.DevUser {
		for _, u := range cfg.Users {
			if strings.HasPrefix(u.UserPrincipalName, name+"@") {
				return u
			}
		}
		t.Fatalf("no dev user %s", name)
		return harness.DevUser{}
	}
	alex, adele := user("alex"), user("adele")
	authorize := cfg.HTTPBaseURL + "/" + cfg.TenantID + "/oauth2/v2.0/authorize?" + url.Values{
		"client_id": {appID}, "response_type": {"code"}, "redirect_uri": {consentRedirect}, "state": {"s"}}.Encode()
	var got struct {
		scenarioOutcome
		Alex  consentView `json:"alex"`
		Adele consentView `json:"adele"`
	}
	bt.runScenario(t, "consent", "consent", scenarioInput{PortalURL: consentRedirect, IssuerURL: cfg.HTTPBaseURL, Params: map[string]any{
		"authorizeURL": authorize, "redirectURI": consentRedirect, "alex": creds(alex), "adele": creds(adele)}}, &got)

	if got.Alex.Title != "Permissions requested" || !got.Alex.lists("User.Read", false) || !got.Alex.lists("openid", false) ||
		got.Alex.ForOrgOffered || !got.Alex.Code {
		t.Errorf("alex's consent page: %+v; want User.Read and openid as user consent, no organization-wide consent, and a code after Accept", got.Alex)
	}
	if !got.Adele.lists("Directory.AccessAsUser.All", true) || !got.Adele.ForOrgOffered || !got.Adele.Code {
		t.Errorf("adele's consent page: %+v; want Directory.AccessAsUser.All as admin consent, the organization-wide box, and a code", got.Adele)
	}

	// What was recorded: alex's token has User.Read from his own consent,
	// and Directory.AccessAsUser.All from adele's for the organization.
	scp := func(u harness.DevUser, scope string) string {
		resp, err := http.PostForm(cfg.HTTPBaseURL+"/"+cfg.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"password"},
			"client_id": {appID}, "client_secret": {secret}, "username": {u.UserPrincipalName}, "password": {u.Password}, "scope": {scope}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var tr struct {
			AccessToken string `json:"access_token"`
			Scope       string `json:"scope"`
		}
		if json.Unmarshal(raw, &tr) != nil || tr.AccessToken == "" {
			t.Fatalf("password grant for %s, %s: %d %s", u.UserPrincipalName, scope, resp.StatusCode, raw)
		}
		return tr.Scope
	}
	if s := scp(alex, "https://graph.microsoft.com/.default"); !strings.Contains(s, "User.Read") || !strings.Contains(s, "Directory.AccessAsUser.All") {
		t.Errorf("alex's .default token after both consents has scope %q, want User.Read and Directory.AccessAsUser.All", s)
	}
}
