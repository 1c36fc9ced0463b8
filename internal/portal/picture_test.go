package portal

import "testing"

func TestSafePictureURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://cdn.example.com/a.png", "https://cdn.example.com/a.png"},
		{"HTTPS://cdn.example.com/a.png", "https://cdn.example.com/a.png"},
		{"  https://cdn.example.com/a.png ", "https://cdn.example.com/a.png"},
		{"http://localhost:9000/a.png", "http://localhost:9000/a.png"},
		{"http://127.0.0.1/a.png", "http://127.0.0.1/a.png"},
		{"http://[::1]:8080/a.png", "http://[::1]:8080/a.png"},
		{"http://cdn.example.com/a.png", ""},
		{"http://localhost.evil.com/a.png", ""},
		{"javascript:alert(1)", ""},
		{"data:image/png;base64,AAAA", ""},
		{"//cdn.example.com/a.png", ""},
		{"/avatar.png", ""},
		{"https://user:pw@cdn.example.com/a.png", ""},
		{"ftp://cdn.example.com/a.png", ""},
		{"", ""},
	} {
		if got := SafePictureURL(tc.in); got != tc.want {
			t.Errorf("SafePictureURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestInitials(t *testing.T) {
	for _, tc := range []struct{ name, user, want string }{
		{"Adele Vance", "adele@contoso.example", "AV"},
		{"adele", "", "A"},
		{"Jean-Luc de la Tour", "", "JT"},
		{"", "alex@contoso.example", "A"},
		{"Ömer Çelik", "", "ÖÇ"},
		{"", "", "?"},
	} {
		if got := Initials(tc.name, tc.user); got != tc.want {
			t.Errorf("Initials(%q, %q) = %q, want %q", tc.name, tc.user, got, tc.want)
		}
	}
}
