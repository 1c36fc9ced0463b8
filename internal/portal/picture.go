package portal

import (
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxPictureURL bounds the picture claim; a directory extension holds at
// most 256 characters, other issuers a little more.
const maxPictureURL = 2048

// SafePictureURL returns the picture claim as an absolute URL the browser
// may load, or "" when it must not: only https: URLs, and http: for a
// loopback host (local development); no credentials in the URL. Anything
// else (javascript:, data:, relative paths, other hosts over http) falls back
// to initials.
func SafePictureURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxPictureURL {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return ""
		}
	default:
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u.String()
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// pictureOrigin is the scheme://host of a safe picture URL, for the page's
// Content-Security-Policy img-src.
func pictureOrigin(safe string) string {
	u, err := url.Parse(safe)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Initials are the avatar's fallback: the first letters of the first and
// last words of the name, else the first letter of the username.
func Initials(name, username string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	first := func(s string) string {
		r, _ := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r))
	}
	switch {
	case len(words) >= 2:
		return first(words[0]) + first(words[len(words)-1])
	case len(words) == 1:
		return first(words[0])
	case username != "":
		return first(username)
	}
	return "?"
}
