package portal

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// session with an ID token issued at t0 for an hour.
func testSession(refresh string) *Session {
	return NewSession("hash", "id", "csrf", &Tokens{IDToken: "id-1", IDTokenExp: t0.Add(time.Hour), Issuer: "https://iss",
		Subject: "alice", RefreshToken: refresh, AccessToken: "at-1"}, t0, 12*time.Hour)
}

func TestPlan(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sess   func() *Session
		at     time.Duration // after t0
		before time.Duration
		want   Action
	}{
		{"fresh token is used", func() *Session { return testSession("rt") }, 10 * time.Minute, 2 * time.Minute, Use},
		{"inside the refresh margin: refresh", func() *Session { return testSession("rt") }, 59 * time.Minute, 2 * time.Minute, Refresh},
		{"just before the margin: use", func() *Session { return testSession("rt") }, 57*time.Minute + 59*time.Second, 2 * time.Minute, Use},
		{"expired with a refresh token: refresh, never use", func() *Session { return testSession("rt") }, 2 * time.Hour, 2 * time.Minute, Refresh},
		{"no refresh token, still valid: use", func() *Session { return testSession("") }, 59 * time.Minute, 2 * time.Minute, Use},
		{"no refresh token, expired: end", func() *Session { return testSession("") }, time.Hour, 2 * time.Minute, End},
		{"past the session's hard limit: end", func() *Session { return testSession("rt") }, 12 * time.Hour, 2 * time.Minute, End},
		{"issuer gave no ID token on refresh, kept one valid: use", func() *Session {
			s := testSession("rt")
			s.NoIDTokenOnRefresh = true
			return s
		}, 59 * time.Minute, 2 * time.Minute, Use},
		{"issuer gave no ID token on refresh, kept one expired: end", func() *Session {
			s := testSession("rt")
			s.NoIDTokenOnRefresh = true
			return s
		}, time.Hour, 2 * time.Minute, End},
		{"short-lived token: margin is a third of its lifetime", func() *Session {
			s := testSession("rt")
			s.IDTokenExp = t0.Add(3 * time.Minute) // margin 1m, not 2m
			return s
		}, 90 * time.Second, 2 * time.Minute, Use},
		{"short-lived token inside its third: refresh", func() *Session {
			s := testSession("rt")
			s.IDTokenExp = t0.Add(3 * time.Minute)
			return s
		}, 2*time.Minute + time.Second, 2 * time.Minute, Refresh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sess().Plan(t0.Add(tc.at), tc.before); got != tc.want {
				t.Fatalf("Plan at t0+%s = %s, want %s", tc.at, got, tc.want)
			}
		})
	}
}

func TestNewSessionLifetime(t *testing.T) {
	if s := testSession(""); !s.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("without a refresh token ExpiresAt = %s, want the ID token's expiry %s", s.ExpiresAt, t0.Add(time.Hour))
	}
	if s := testSession("rt"); !s.ExpiresAt.Equal(t0.Add(12 * time.Hour)) {
		t.Fatalf("with a refresh token ExpiresAt = %s, want the session lifetime %s", s.ExpiresAt, t0.Add(12*time.Hour))
	}
	if got := testSession("rt").Remaining(t0.Add(2 * time.Hour)); got != 10*time.Hour {
		t.Fatalf("Remaining = %s, want 10h", got)
	}
	if got := testSession("").Remaining(t0.Add(2 * time.Hour)); got != 0 {
		t.Fatalf("Remaining after the end = %s, want 0", got)
	}
}

func TestApplyRefresh(t *testing.T) {
	at := t0.Add(59 * time.Minute)
	for _, tc := range []struct {
		name        string
		tokens      Tokens
		at          time.Time
		wantErr     error
		wantIDToken string
		wantRefresh string
		wantNoID    bool
	}{
		{name: "new ID token and rotated refresh token",
			tokens: Tokens{IDToken: "id-2", IDTokenExp: at.Add(time.Hour), Issuer: "https://iss", Subject: "alice", RefreshToken: "rt-2", AccessToken: "at-2"},
			at:     at, wantIDToken: "id-2", wantRefresh: "rt-2"},
		{name: "refresh token not rotated: the old one is kept",
			tokens: Tokens{IDToken: "id-2", IDTokenExp: at.Add(time.Hour), Issuer: "https://iss", Subject: "alice"},
			at:     at, wantIDToken: "id-2", wantRefresh: "rt"},
		{name: "no ID token: the old one is kept while valid",
			tokens: Tokens{AccessToken: "at-2", RefreshToken: "rt-2"},
			at:     at, wantIDToken: "id-1", wantRefresh: "rt-2", wantNoID: true},
		{name: "no ID token and the old one expired: refused",
			tokens: Tokens{AccessToken: "at-2"}, at: t0.Add(2 * time.Hour), wantErr: ErrNoUsableToken},
		{name: "another subject: refused",
			tokens: Tokens{IDToken: "id-2", IDTokenExp: at.Add(time.Hour), Issuer: "https://iss", Subject: "mallory"},
			at:     at, wantErr: ErrSubjectChanged},
		{name: "another issuer: refused",
			tokens: Tokens{IDToken: "id-2", IDTokenExp: at.Add(time.Hour), Issuer: "https://other", Subject: "alice"},
			at:     at, wantErr: ErrSubjectChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testSession("rt")
			err := s.ApplyRefresh(&tc.tokens, tc.at)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ApplyRefresh error = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if s.IDToken != tc.wantIDToken || s.RefreshToken != tc.wantRefresh || s.NoIDTokenOnRefresh != tc.wantNoID {
				t.Fatalf("after refresh: id token %q, refresh token %q, noIDTokenOnRefresh %v; want %q, %q, %v",
					s.IDToken, s.RefreshToken, s.NoIDTokenOnRefresh, tc.wantIDToken, tc.wantRefresh, tc.wantNoID)
			}
			if s.RefreshedAt == nil || !s.RefreshedAt.Equal(tc.at) {
				t.Fatalf("RefreshedAt = %v, want %s", s.RefreshedAt, tc.at)
			}
			if tc.tokens.IDToken != "" && !s.IDTokenIssuedAt.Equal(tc.at) {
				t.Fatalf("IDTokenIssuedAt = %s, want %s", s.IDTokenIssuedAt, tc.at)
			}
		})
	}
}

func TestReauthenticateOn401(t *testing.T) {
	s := testSession("rt")
	if s.ReauthenticateOn401(t0.Add(10 * time.Second)) {
		t.Fatalf("a 401 for a token obtained 10s ago sends the user to sign in again: that would loop")
	}
	if !s.ReauthenticateOn401(t0.Add(5 * time.Minute)) {
		t.Fatalf("a 401 for a 5 minute old token does not send the user to sign in again")
	}
}
