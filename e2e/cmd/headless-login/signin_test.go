package main

import (
	"net/url"
	"strings"
	"testing"
)

func TestFindSignInForm(t *testing.T) {
	base, _ := url.Parse("https://127.0.0.1:8443/tid/oauth2/authorize?client_id=x")
	tests := []struct {
		name       string
		page       string
		wantAction string
		wantValues url.Values
		wantUser   string
		wantErr    string
	}{
		{
			name: "hidden inputs, relative action, search form first",
			page: `<html><body>
<form method="get" action="/search"><input name="q"></form>
<form method="POST" action="login?x=1">
  <input type="hidden" name="csrf" value="c1">
  <input type="hidden" name="request" value="r&amp;2">
  <label>User <input type="email" name="username"></label>
  <input type="password" name="password">
  <button type="submit" name="action" value="signin">Sign in</button>
</form></body></html>`,
			wantAction: "https://127.0.0.1:8443/tid/oauth2/login?x=1",
			wantValues: url.Values{"csrf": {"c1"}, "request": {"r&2"}, "action": {"signin"}},
			wantUser:   "username",
		},
		{
			name:       "empty action posts back to the page",
			page:       `<form method="post"><input name="login"><input type="password" name="pw"><input type="submit" value="Go"></form>`,
			wantAction: base.String(),
			wantValues: url.Values{},
			wantUser:   "login",
		},
		{name: "no form", page: `<p>Hello</p>`, wantErr: "no <form>"},
		{name: "no password input", page: `<form method="post"><input name="username"></form>`, wantErr: "password input"},
		{name: "get form", page: `<form method="get"><input name="username"><input type="password" name="password"></form>`, wantErr: "want post"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, err := findSignInForm([]byte(tt.page), base)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("findSignInForm error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("findSignInForm: %v", err)
			}
			if got := form.action.String(); got != tt.wantAction {
				t.Errorf("action = %q, want %q", got, tt.wantAction)
			}
			if got, want := form.values.Encode(), tt.wantValues.Encode(); got != want {
				t.Errorf("values = %q, want %q", got, want)
			}
			if form.usernameField != tt.wantUser {
				t.Errorf("username field = %q, want %q", form.usernameField, tt.wantUser)
			}
		})
	}
}
