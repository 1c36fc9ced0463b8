package portal

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestClaimNamespaces(t *testing.T) {
	for _, tc := range []struct {
		name        string
		claim       any
		want, wantX []string
	}{
		{"absent", nil, nil, nil},
		{"one name", "team-a", []string{"team-a"}, nil},
		{"comma separated", "team-a, team-b,team-c", []string{"team-a", "team-b", "team-c"}, nil},
		{"JSON array in a string", `["team-a","team-b"]`, []string{"team-a", "team-b"}, nil},
		{"JSON array", []any{"team-a", "team-b"}, []string{"team-a", "team-b"}, nil},
		{"duplicates dropped, order kept", "b, a, b", []string{"b", "a"}, nil},
		{"invalid names dropped", "Team_A, ok, -x", []string{"ok"}, []string{"Team_A", "-x"}},
		{"non-string array entries", []any{"a", 3.0}, []string{"a"}, []string{"3"}},
		{"number", 42.0, nil, []string{"42"}},
		{"empty string", "", nil, nil},
		{"longer than 63", strings.Repeat("a", 64), nil, []string{strings.Repeat("a", 64)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, invalid := ClaimNamespaces(tc.claim)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ClaimNamespaces(%#v) = %q, want %q", tc.claim, got, tc.want)
			}
			if !reflect.DeepEqual(invalid, tc.wantX) {
				t.Fatalf("ClaimNamespaces(%#v) dropped %q, want %q", tc.claim, invalid, tc.wantX)
			}
		})
	}
}

// step is a sign-in or a save of the account form.
type step struct {
	signIn *SignIn
	user   *[2]any // default, allowed
	reset  bool
}

func signIn(deployment string, claim ...string) step {
	return step{signIn: &SignIn{ClaimPresent: claim != nil, Claim: claim, DeploymentDefault: deployment}}
}

func noClaim(deployment string) step { return step{signIn: &SignIn{DeploymentDefault: deployment}} }

func userSets(def string, allowed ...string) step { return step{user: &[2]any{def, allowed}} }

func ns(name string, src Source) AllowedNamespace { return AllowedNamespace{Name: name, Source: src} }

// TestSettingsRules: deployment default > claim > the user's choice on the
// first sign-in; the user's change survives later sign-ins; a changed claim
// updates settings the user has not changed.
func TestSettingsRules(t *testing.T) {
	for _, tc := range []struct {
		name        string
		steps       []step
		wantDefault string
		wantSource  Source
		wantAllowed []AllowedNamespace
		wantUser    bool
	}{
		{name: "first sign-in: the claim sets default and allowed",
			steps:       []step{signIn("", "team-a")},
			wantDefault: "team-a", wantSource: SourceClaim, wantAllowed: []AllowedNamespace{ns("team-a", SourceClaim)}},
		{name: "first sign-in: deployment default wins over the claim",
			steps:       []step{signIn("platform", "team-a")},
			wantDefault: "platform", wantSource: SourceDeployment,
			wantAllowed: []AllowedNamespace{ns("platform", SourceDeployment), ns("team-a", SourceClaim)}},
		{name: "first sign-in: deployment default alone",
			steps:       []step{noClaim("platform")},
			wantDefault: "platform", wantSource: SourceDeployment, wantAllowed: []AllowedNamespace{ns("platform", SourceDeployment)}},
		{name: "first sign-in: nothing set, left to the user",
			steps:       []step{noClaim("")},
			wantDefault: "", wantSource: SourceNone, wantAllowed: nil},
		{name: "list claim: all allowed, the first is the default",
			steps:       []step{signIn("", "team-a", "team-b", "team-c")},
			wantDefault: "team-a", wantSource: SourceClaim,
			wantAllowed: []AllowedNamespace{ns("team-a", SourceClaim), ns("team-b", SourceClaim), ns("team-c", SourceClaim)}},
		{name: "deployment default also in the claim is listed once",
			steps:       []step{signIn("team-b", "team-a", "team-b")},
			wantDefault: "team-b", wantSource: SourceDeployment,
			wantAllowed: []AllowedNamespace{ns("team-b", SourceDeployment), ns("team-a", SourceClaim)}},
		{name: "the user's choice on first sign-in with nothing set",
			steps:       []step{noClaim(""), userSets("mine", "mine", "other")},
			wantDefault: "mine", wantSource: SourceUser,
			wantAllowed: []AllowedNamespace{ns("mine", SourceUser), ns("other", SourceUser)}, wantUser: true},
		{name: "a changed claim updates unchanged settings",
			steps:       []step{signIn("", "team-a"), signIn("", "team-b")},
			wantDefault: "team-b", wantSource: SourceClaim, wantAllowed: []AllowedNamespace{ns("team-b", SourceClaim)}},
		{name: "the same claim again changes nothing",
			steps:       []step{signIn("", "team-a"), signIn("", "team-a")},
			wantDefault: "team-a", wantSource: SourceClaim, wantAllowed: []AllowedNamespace{ns("team-a", SourceClaim)}},
		{name: "the user's change is kept on later sign-ins, even with a changed claim",
			steps:       []step{signIn("", "team-a"), userSets("mine"), signIn("", "team-b"), signIn("", "team-c")},
			wantDefault: "mine", wantSource: SourceUser, wantAllowed: []AllowedNamespace{ns("mine", SourceUser)}, wantUser: true},
		{name: "an absent claim keeps the values it set",
			steps:       []step{signIn("", "team-a"), noClaim("")},
			wantDefault: "team-a", wantSource: SourceClaim, wantAllowed: []AllowedNamespace{ns("team-a", SourceClaim)}},
		{name: "a changed deployment default updates unchanged settings",
			steps:       []step{signIn("", "team-a"), signIn("platform", "team-a")},
			wantDefault: "platform", wantSource: SourceDeployment,
			wantAllowed: []AllowedNamespace{ns("platform", SourceDeployment), ns("team-a", SourceClaim)}},
		{name: "the user's default joins the allowed namespaces",
			steps:       []step{signIn("", "team-a"), userSets("mine", "team-a")},
			wantDefault: "mine", wantSource: SourceUser,
			wantAllowed: []AllowedNamespace{ns("mine", SourceUser), ns("team-a", SourceUser)}, wantUser: true},
		{name: "reset follows the latest claim again",
			steps:       []step{signIn("", "team-a"), userSets("mine"), signIn("", "team-b"), {reset: true}},
			wantDefault: "team-b", wantSource: SourceClaim, wantAllowed: []AllowedNamespace{ns("team-b", SourceClaim)}},
		{name: "after reset a changed claim updates again",
			steps:       []step{signIn("", "team-a"), userSets("mine"), {reset: true}, signIn("", "team-c")},
			wantDefault: "team-c", wantSource: SourceClaim, wantAllowed: []AllowedNamespace{ns("team-c", SourceClaim)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Settings{Issuer: "https://issuer", Subject: "sub"}
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, st := range tc.steps {
				now = now.Add(time.Hour)
				switch {
				case st.signIn != nil:
					s.ApplySignIn(*st.signIn, now)
				case st.user != nil:
					if err := s.SetByUser(st.user[0].(string), st.user[1].([]string), now); err != nil {
						t.Fatalf("step %d: SetByUser: %v", i, err)
					}
				case st.reset:
					s.ResetToSignIn(now)
				}
			}
			if s.DefaultNamespace != tc.wantDefault || s.DefaultNamespaceSource != tc.wantSource {
				t.Fatalf("default namespace = %q (%s), want %q (%s)", s.DefaultNamespace, s.DefaultNamespaceSource, tc.wantDefault, tc.wantSource)
			}
			if !reflect.DeepEqual(s.AllowedNamespaces, tc.wantAllowed) {
				t.Fatalf("allowed namespaces = %v, want %v", s.AllowedNamespaces, tc.wantAllowed)
			}
			if s.UserChanged != tc.wantUser {
				t.Fatalf("UserChanged = %v, want %v", s.UserChanged, tc.wantUser)
			}
		})
	}
}

func TestApplySignInReportsChange(t *testing.T) {
	s := &Settings{}
	now := time.Now()
	if !s.ApplySignIn(SignIn{ClaimPresent: true, Claim: []string{"a"}}, now) {
		t.Fatalf("first sign-in with a claim reported no change")
	}
	if s.ApplySignIn(SignIn{ClaimPresent: true, Claim: []string{"a"}}, now) {
		t.Fatalf("the same claim again reported a change")
	}
	if s.CreatedAt.IsZero() {
		t.Fatalf("CreatedAt not set by the first sign-in")
	}
}

func TestSetByUserRefusesInvalidNames(t *testing.T) {
	s := &Settings{DefaultNamespace: "keep", DefaultNamespaceSource: SourceClaim}
	err := s.SetByUser("Bad_Name", []string{"ok", "also bad"}, time.Now())
	var se *SettingsError
	if !errors.As(err, &se) || len(se.Problems) != 2 {
		t.Fatalf("SetByUser with two invalid names: err = %v, want a SettingsError with 2 problems", err)
	}
	if s.DefaultNamespace != "keep" || s.UserChanged {
		t.Fatalf("a refused form changed the settings: %+v", s)
	}
}

func TestParseNamespaceList(t *testing.T) {
	got := ParseNamespaceList("team-a\r\nteam-b, team-c\n\nteam-a")
	want := []string{"team-a", "team-b", "team-c"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseNamespaceList = %q, want %q", got, want)
	}
}
