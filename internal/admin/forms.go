package admin

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// The forms' parsing: plain functions from form text to the Graph request
// body, unit-tested without HTTP. Graph validates what they produce (the
// admin centre never second-guesses the directory's rules); these only
// turn text into the JSON types Graph expects and refuse what cannot be
// turned.

// lines splits a textarea into its non-empty, trimmed lines.
func lines(text string) []string {
	out := []string{}
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// withPermissions adds permissions (ids of one type, "Role" or "Scope") of
// a resource to requiredResourceAccess, keeping what is there and the
// order, without duplicates.
func withPermissions(rra []directory.RequiredResourceAccess, resourceAppID, typ string, ids []string) []directory.RequiredResourceAccess {
	out := slices.Clone(rra)
	i := slices.IndexFunc(out, func(r directory.RequiredResourceAccess) bool {
		return strings.EqualFold(r.ResourceAppID, resourceAppID)
	})
	if i < 0 {
		out = append(out, directory.RequiredResourceAccess{ResourceAppID: resourceAppID, ResourceAccess: []directory.ResourceAccess{}})
		i = len(out) - 1
	}
	access := slices.Clone(out[i].ResourceAccess)
	for _, id := range ids {
		if !slices.ContainsFunc(access, func(a directory.ResourceAccess) bool { return strings.EqualFold(a.ID, id) && a.Type == typ }) {
			access = append(access, directory.ResourceAccess{ID: id, Type: typ})
		}
	}
	out[i].ResourceAccess = access
	return out
}

// withoutPermission removes one permission; a resource left without any
// is removed too, as the Entra admin centre does.
func withoutPermission(rra []directory.RequiredResourceAccess, resourceAppID, typ, id string) []directory.RequiredResourceAccess {
	out := []directory.RequiredResourceAccess{}
	for _, r := range rra {
		if !strings.EqualFold(r.ResourceAppID, resourceAppID) {
			out = append(out, r)
			continue
		}
		kept := []directory.ResourceAccess{}
		for _, a := range r.ResourceAccess {
			if !(strings.EqualFold(a.ID, id) && a.Type == typ) {
				kept = append(kept, a)
			}
		}
		if len(kept) > 0 {
			out = append(out, directory.RequiredResourceAccess{ResourceAppID: r.ResourceAppID, ResourceAccess: kept})
		}
	}
	return out
}

// extensionValue turns a form's text for a directory extension into the
// JSON value Graph expects for its data type. Empty text removes the value
// (null); a multi-valued extension takes one value per line.
func extensionValue(def *directory.ExtensionProperty, text string) (json.RawMessage, error) {
	if strings.TrimSpace(text) == "" {
		return json.RawMessage("null"), nil
	}
	if def.IsMultiValued {
		var items []json.RawMessage
		for _, l := range lines(text) {
			v, err := extensionScalar(def, l)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		return json.Marshal(items)
	}
	return extensionScalar(def, strings.TrimSpace(text))
}

func extensionScalar(def *directory.ExtensionProperty, text string) (json.RawMessage, error) {
	switch def.DataType {
	case "Boolean":
		switch strings.ToLower(text) {
		case "true":
			return json.RawMessage("true"), nil
		case "false":
			return json.RawMessage("false"), nil
		}
		return nil, fmt.Errorf("%s is a Boolean: enter true or false, not %q", def.Name, text)
	case "Integer", "LargeInteger":
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is an %s: enter a whole number, not %q", def.Name, def.DataType, text)
		}
		return json.RawMessage(strconv.FormatInt(n, 10)), nil
	}
	return json.Marshal(text) // String, DateTime, Binary: Graph checks the form
}

// extensionText is a stored extension value as the form shows it.
func extensionText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []any:
		var parts []string
		for _, it := range v {
			parts = append(parts, extensionText(it))
		}
		return strings.Join(parts, "\n")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// readOnlyManifestProperties are shown in the manifest but set by the
// directory, not by a PATCH: a changed value is refused; an unchanged one
// (or a removed one) is left out of the request.
var readOnlyManifestProperties = []string{"@odata.context", "id", "appId", "deletedDateTime", "createdDateTime",
	"publisherDomain", "passwordCredentials", "keyCredentials"}

// ManifestError is a manifest refused before Graph sees it; Line and
// Column (1-based) point at a JSON syntax error.
type ManifestError struct {
	Message      string
	Line, Column int
}

func (e *ManifestError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return e.Message
}

// manifestPatch compares an edited manifest with the application as Graph
// renders it and returns the PATCH body of what changed (top-level
// properties) and their names, sorted. As in the Entra manifest editor,
// null clears groupMembershipClaims and optionalClaims.
func manifestPatch(current map[string]any, edited []byte) (map[string]json.RawMessage, []string, error) {
	var props map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(edited))
	if err := dec.Decode(&props); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := position(edited, syn.Offset)
			return nil, nil, &ManifestError{Message: "the manifest is not valid JSON: " + syn.Error(), Line: line, Column: col}
		case errors.As(err, &typ):
			return nil, nil, &ManifestError{Message: "the manifest must be a JSON object, the application"}
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, nil, &ManifestError{Message: "the manifest is empty or cut short"}
		}
		return nil, nil, &ManifestError{Message: "the manifest is not valid JSON: " + err.Error()}
	}
	if rest := bytes.TrimSpace(edited[dec.InputOffset():]); len(rest) > 0 {
		line, col := position(edited, dec.InputOffset()+int64(bytes.Index(edited[dec.InputOffset():], rest[:1]))+1)
		return nil, nil, &ManifestError{Message: "the manifest has text after its closing brace", Line: line, Column: col}
	}
	if props == nil {
		return nil, nil, &ManifestError{Message: "the manifest must be a JSON object, the application"}
	}
	patch := map[string]json.RawMessage{}
	var changed []string
	for name, raw := range props {
		var v any
		json.Unmarshal(raw, &v)
		cur, known := current[name]
		if slices.Contains(readOnlyManifestProperties, name) {
			if known && !reflect.DeepEqual(normalize(cur), v) {
				return nil, nil, &ManifestError{Message: fmt.Sprintf("property '%s' is read-only: the directory sets it, so it cannot be changed in the manifest", name)}
			}
			continue
		}
		if known && reflect.DeepEqual(normalize(cur), v) {
			continue
		}
		if v == nil && cur != nil {
			switch name {
			case "groupMembershipClaims":
				raw = json.RawMessage(`"None"`)
			case "optionalClaims":
				raw = json.RawMessage(`{"idToken":[],"accessToken":[],"saml2Token":[]}`)
			}
		}
		patch[name] = raw
		changed = append(changed, name)
	}
	slices.Sort(changed)
	return patch, changed, nil
}

// normalize turns a Go value into what decoding its JSON gives, so that a
// rendered application compares with a decoded manifest.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	json.Unmarshal(b, &out)
	return out
}

// position is the 1-based line and column of a byte offset.
func position(b []byte, offset int64) (int, int) {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	if offset < 1 {
		offset = 1
	}
	before := b[:offset-1]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset-1) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// newUserBody is the Graph body of a new user from the form. An empty
// password is generated (and shown once).
func newUserBody(upn, displayName, password string, enabled bool) (map[string]any, string, error) {
	upn, displayName = strings.TrimSpace(upn), strings.TrimSpace(displayName)
	nick, domain, ok := strings.Cut(upn, "@")
	switch {
	case upn == "":
		return nil, "", errors.New("the user principal name is required, e.g. dana@contoso.example")
	case !ok || nick == "" || domain == "":
		return nil, "", fmt.Errorf("the user principal name %q must be name@domain", upn)
	case displayName == "":
		return nil, "", errors.New("the display name is required")
	}
	if password == "" {
		password = GeneratePassword()
	}
	return map[string]any{"accountEnabled": enabled, "displayName": displayName, "mailNickname": nick,
		"userPrincipalName": upn, "passwordProfile": map[string]any{"password": password, "forceChangePasswordNextSignIn": false}}, password, nil
}

// GeneratePassword returns a random password meeting Entra's complexity
// rule: 16 characters of upper case, lower case and digits, with a dash.
func GeneratePassword() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, 15)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	// Fixed classes at fixed places guarantee the rule whatever the draw.
	return "G" + string(b[:7]) + "-" + string(b[7:14]) + "7a"
}
