package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// signInForm is the sign-in form of a page, ready to be filled in.
type signInForm struct {
	action        *url.URL
	values        url.Values // hidden inputs and the submit button, as a browser sends them
	usernameField string
	passwordField string
}

// findSignInForm finds the form with a password input on the page at base,
// the way a person would, and copies what a browser would submit with it:
// every hidden input, and the name of its first named submit button.
func findSignInForm(body []byte, base *url.URL) (*signInForm, error) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse HTML: %w", err)
	}
	var forms []*html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" {
			forms = append(forms, n)
		}
	}
	if len(forms) == 0 {
		return nil, errors.New("no <form> on the page")
	}
	for _, f := range forms {
		form, err := parseSignInForm(f, base)
		if err != nil {
			return nil, err
		}
		if form != nil {
			return form, nil
		}
	}
	return nil, fmt.Errorf("none of the %d forms has a password input", len(forms))
}

// parseSignInForm returns nil, nil when f is not a sign-in form.
func parseSignInForm(f *html.Node, base *url.URL) (*signInForm, error) {
	form := &signInForm{values: url.Values{}}
	var textFields []string
	submitSeen := false
	for n := range f.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		name := attr(n, "name")
		switch {
		case n.Data == "input":
			switch typ := strings.ToLower(attr(n, "type")); typ {
			case "password":
				if form.passwordField == "" {
					form.passwordField = name
				}
			case "hidden":
				if name != "" {
					form.values.Add(name, attr(n, "value"))
				}
			case "submit":
				if name != "" && !submitSeen {
					form.values.Set(name, attr(n, "value"))
				}
				submitSeen = true
			case "", "text", "email":
				if name != "" {
					textFields = append(textFields, name)
				}
			}
		case n.Data == "button" && strings.ToLower(attr(n, "type")) != "button":
			if name != "" && !submitSeen {
				form.values.Set(name, attr(n, "value"))
			}
			submitSeen = true
		}
	}
	if form.passwordField == "" {
		return nil, nil
	}
	switch {
	case slices.Contains(textFields, "username"):
		form.usernameField = "username"
	case len(textFields) > 0:
		form.usernameField = textFields[0]
	default:
		return nil, errors.New("the sign-in form has a password input but no username input")
	}
	if method := strings.ToLower(attr(f, "method")); method != "post" {
		return nil, fmt.Errorf("the sign-in form's method is %q, want post", method)
	}
	action, err := base.Parse(attr(f, "action"))
	if err != nil {
		return nil, fmt.Errorf("the sign-in form's action %q: %w", attr(f, "action"), err)
	}
	form.action = action
	return form, nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func fieldNames(v url.Values) []string {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
