package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCheckLoopbackURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    string // the normalised URL; empty when refused
		wantErr string
	}{
		{raw: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{raw: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080"},
		{raw: "http://127.1.2.3:80", want: "http://127.1.2.3:80"},
		{raw: "https://localhost:8443", want: "https://localhost:8443"},
		{raw: "http://LOCALHOST:8080", want: "http://LOCALHOST:8080"},
		{raw: "http://[::1]:8080", want: "http://[::1]:8080"},
		{raw: "http://10.0.0.1:8080", wantErr: "not a loopback address"},
		{raw: "http://login.example.com", wantErr: "not a loopback address"},
		{raw: "http://localhost.example.com", wantErr: "not a loopback address"},
		{raw: "http://0.0.0.0:8080", wantErr: "not a loopback address"},
		{raw: "http://[::]:8080", wantErr: "not a loopback address"},
		{raw: "http://128.0.0.1", wantErr: "not a loopback address"},
		{raw: "ftp://127.0.0.1", wantErr: "scheme must be http or https"},
		{raw: "localhost:8080", wantErr: "scheme must be http or https"},
		{raw: "127.0.0.1:8080", wantErr: "first path segment"},
		{raw: "http://127.0.0.1:8080/tenant", wantErr: "without user, path or query"},
		{raw: "http://u:p@127.0.0.1:8080", wantErr: "without user, path or query"},
		{raw: "http://127.0.0.1:8080?x=1", wantErr: "without user, path or query"},
		{raw: "http://%zz", wantErr: "invalid URL escape"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := CheckLoopbackURL(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CheckLoopbackURL(%q) error = %v, want one containing %q", tt.raw, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckLoopbackURL(%q): %v", tt.raw, err)
			}
			if u.String() != tt.want {
				t.Fatalf("CheckLoopbackURL(%q) = %q, want %q", tt.raw, u, tt.want)
			}
		})
	}
}

func TestRefuseNonLoopback(t *testing.T) {
	tests := []struct {
		address string
		ok      bool
	}{
		{"127.0.0.1:80", true},
		{"127.9.9.9:80", true},
		{"[::1]:443", true},
		{"192.168.1.10:80", false},
		{"[2001:db8::1]:443", false},
		{"example.com:80", false},
		{"no-port", false},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			err := refuseNonLoopback("tcp", tt.address, nil)
			if (err == nil) != tt.ok {
				t.Fatalf("refuseNonLoopback(%q) = %v, want allowed=%v", tt.address, err, tt.ok)
			}
		})
	}
}

func TestTokenEndpoint(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:8080")
	got := TokenEndpoint(base, "contoso.example")
	if want := "http://127.0.0.1:8080/contoso.example/oauth2/v2.0/token"; got != want {
		t.Fatalf("TokenEndpoint = %q, want %q", got, want)
	}
}

func TestTokenFormEncode(t *testing.T) {
	tests := []struct {
		name    string
		form    TokenForm
		want    url.Values
		wantErr []string
	}{
		{
			name: "client credentials",
			form: TokenForm{Grant: GrantClientCredentials, ClientID: "c", ClientSecret: "s", Scope: DefaultScope},
			want: url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"}, "scope": {DefaultScope}},
		},
		{
			name: "password",
			form: TokenForm{Grant: GrantPassword, ClientID: "c", ClientSecret: "s", Scope: DefaultScope, Username: "u@x", Password: "p w"},
			want: url.Values{"grant_type": {"password"}, "client_id": {"c"}, "client_secret": {"s"}, "scope": {DefaultScope},
				"username": {"u@x"}, "password": {"p w"}},
		},
		{
			name:    "every missing field at once",
			form:    TokenForm{Grant: GrantPassword},
			wantErr: []string{"client id", "client secret", "scope", "username", "password"},
		},
		{
			name:    "unknown grant",
			form:    TokenForm{Grant: "device_code", ClientID: "c", ClientSecret: "s", Scope: DefaultScope},
			wantErr: []string{`grant "device_code" is not supported`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := tt.form.Encode()
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Encode = %q, want an error", body)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Fatalf("Encode error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, _ := url.ParseQuery(body)
			if got.Encode() != tt.want.Encode() {
				t.Fatalf("Encode = %q, want %q", got.Encode(), tt.want.Encode())
			}
		})
	}
}

func TestTokenCall(t *testing.T) {
	const entraError = `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[7000215]}`
	tests := []struct {
		name      string
		status    int
		body      string
		wantErr   string
		wantState int // the *StatusError code, 0 when none
	}{
		{name: "token issued", status: 200, body: `{"token_type":"Bearer","access_token":"aaa.bbb.ccc","expires_in":3599}`},
		{name: "oauth error", status: 401, body: entraError, wantState: 401,
			wantErr: "HTTP 401: invalid_client: AADSTS7000215: Invalid client secret provided."},
		{name: "plain error", status: 502, body: "bad gateway\n", wantState: 502, wantErr: "HTTP 502: bad gateway"},
		{name: "no token", status: 200, body: `{"token_type":"Bearer"}`, wantErr: "no access token"},
		{name: "not json", status: 200, body: `<html>`, wantErr: "decode token response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got url.Values
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
					t.Errorf("Content-Type = %q, want a form", ct)
				}
				r.ParseForm()
				got = r.PostForm
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			call := NewTokenCall(NewClient(ClientConfig{Concurrency: 1}), srv.URL+"/t/oauth2/v2.0/token", "grant_type=client_credentials&client_id=c")
			err := call(context.Background())
			if got.Get("client_id") != "c" {
				t.Fatalf("server got client_id %q, want %q", got.Get("client_id"), "c")
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("call: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("call error = %v, want one containing %q", err, tt.wantErr)
			}
			var se *StatusError
			if errors.As(err, &se) != (tt.wantState != 0) || (se != nil && se.Code != tt.wantState) {
				t.Fatalf("call error = %#v, want a StatusError with code %d", err, tt.wantState)
			}
		})
	}
}
