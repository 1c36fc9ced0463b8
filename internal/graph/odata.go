package graph

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// MaxBodyBytes bounds request bodies.
const MaxBodyBytes = 1 << 20

// defaultPageSize is Graph's page size for directory collections.
const (
	defaultPageSize = 100
	maxPageSize     = 999
)

// query holds the OData system query options of a request.
type query struct {
	selected []string // $select, as given
	filter   *filterEq
	top      int
	skip     int // from $skiptoken
}

// filterEq is the one $filter shape supported: property eq 'value'
// (strings) or property eq true/false/number.
type filterEq struct {
	Property string
	Value    any
}

var filterRE = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_/]*)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false|-?\d+))\s*$`)

func (r *request) query() (*query, *Error) {
	q := &query{top: defaultPageSize}
	// URL.Query drops pairs it cannot decode; a mangled $filter must not
	// silently widen the result.
	v, err := url.ParseQuery(r.r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("The query string is malformed: %v.", err)
	}
	for k := range v {
		switch k {
		case "$select", "$filter", "$top", "$skiptoken", "$count", "$orderby", "$expand", "$search":
		default:
			if strings.HasPrefix(k, "$") {
				return nil, badRequest("Query option '%s' is not supported.", k)
			}
		}
	}
	if s := v.Get("$select"); s != "" {
		for _, f := range strings.Split(s, ",") {
			if f = strings.TrimSpace(f); f != "" {
				q.selected = append(q.selected, f)
			}
		}
	}
	if f := v.Get("$filter"); f != "" {
		m := filterRE.FindStringSubmatch(f)
		if m == nil {
			return nil, errorf(http.StatusBadRequest, codeUnsupportedQuery, "Unsupported or invalid query filter clause specified: '%s'. Gatehouse supports 'property eq value'.", f)
		}
		fe := &filterEq{Property: m[1]}
		switch {
		case m[3] == "true" || m[3] == "false":
			fe.Value = m[3] == "true"
		case m[3] != "":
			n, _ := strconv.ParseInt(m[3], 10, 64)
			fe.Value = n
		default:
			fe.Value = strings.ReplaceAll(m[2], "''", "'")
		}
		q.filter = fe
	}
	if t := v.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, badRequest("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", t, maxPageSize)
		}
		q.top = n
	}
	if st := v.Get("$skiptoken"); st != "" {
		b, err := base64.RawURLEncoding.DecodeString(st)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			return nil, badRequest("Invalid $skiptoken.")
		}
		q.skip = n
	}
	for _, unsupported := range []string{"$orderby", "$expand", "$search"} {
		if v.Get(unsupported) != "" {
			return nil, errorf(http.StatusBadRequest, codeUnsupportedQuery, "Query option '%s' is not supported by Gatehouse.", unsupported)
		}
	}
	return q, nil
}

// matches applies $filter to a rendered entity; property names compare
// case-insensitively, string values case-insensitively as the directory does.
func (f *filterEq) matches(entity map[string]any) bool {
	if f == nil {
		return true
	}
	for k, v := range entity {
		if !strings.EqualFold(k, f.Property) {
			continue
		}
		switch want := f.Value.(type) {
		case string:
			got, ok := v.(string)
			return ok && strings.EqualFold(got, want)
		case bool:
			got, ok := v.(bool)
			return ok && got == want
		case int64:
			switch got := v.(type) {
			case int64:
				return got == want
			case int:
				return int64(got) == want
			case float64:
				return got == float64(want)
			}
		}
		return false
	}
	return false
}

// project applies $select: only the named properties (case-insensitive),
// always with id. Extension properties are present only when selected.
func project(entity map[string]any, selected []string) map[string]any {
	if len(selected) == 0 {
		return entity
	}
	out := map[string]any{}
	for k, v := range entity {
		for _, s := range selected {
			if strings.EqualFold(k, s) {
				out[k] = v
			}
		}
	}
	if id, ok := entity["id"]; ok {
		out["id"] = id
	}
	return out
}

// writeJSON writes a Graph response body.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // Graph writes & in nextLinks as is, not \u0026
	enc.Encode(body)
}

// writeEntity writes one entity with its @odata.context.
func (r *request) writeEntity(status int, context string, entity map[string]any) *Error {
	out := map[string]any{"@odata.context": r.base + "/v1.0/$metadata#" + context}
	for k, v := range entity {
		out[k] = v
	}
	writeJSON(r.w, status, out)
	return nil
}

// writeCollection filters, pages and writes a collection.
func (r *request) writeCollection(context string, items []map[string]any, q *query) *Error {
	var filtered []map[string]any
	for _, it := range items {
		if q.filter.matches(it) {
			filtered = append(filtered, project(it, q.selected))
		}
	}
	if q.selected != nil {
		context += "(" + strings.Join(q.selected, ",") + ")"
	}
	page := []map[string]any{}
	if q.skip < len(filtered) {
		end := min(q.skip+q.top, len(filtered))
		page = filtered[q.skip:end]
	}
	out := map[string]any{"@odata.context": r.base + "/v1.0/$metadata#" + context, "value": page}
	if next := q.skip + q.top; next < len(filtered) {
		u := *r.r.URL
		v := u.Query()
		v.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(next))))
		u.RawQuery = v.Encode()
		out["@odata.nextLink"] = r.base + u.RequestURI()
	}
	writeJSON(r.w, http.StatusOK, out)
	return nil
}

// listEntities serves GET on a top-level entity set: the query options,
// then the tenant's entities from load, rendered, filtered and paged.
func listEntities[T any](r *request, odataContext string, load func(ctx context.Context, tenantID string) ([]T, error), render func(T) map[string]any) *Error {
	q, gerr := r.query()
	if gerr != nil {
		return gerr
	}
	list, err := load(r.ctx, r.actor.TenantID)
	if err != nil {
		return fromDomain(err, "")
	}
	return r.writeCollection(odataContext, renderAll(list, render), q)
}

// getEntity serves GET on one entity: the query options, then the entity
// the path's key addresses, rendered and $select-ed.
func getEntity[T any](r *request, odataContext string, resolve func(r *request, key string) (T, *Error), render func(T) map[string]any) *Error {
	q, v, gerr := queryAndEntity(r, resolve)
	if gerr != nil {
		return gerr
	}
	return r.writeEntity(http.StatusOK, odataContext, project(render(v), q.selected))
}

// queryAndEntity parses the query options, then resolves the entity the
// path's key addresses: in that order, so that a bad query option is
// reported before a missing entity.
func queryAndEntity[T any](r *request, resolve func(r *request, key string) (T, *Error)) (*query, T, *Error) {
	q, gerr := r.query()
	if gerr != nil {
		var none T
		return nil, none, gerr
	}
	v, gerr := resolve(r, r.params[0])
	return q, v, gerr
}

// renderAll renders each entity of a collection.
func renderAll[T any](list []T, render func(T) map[string]any) []map[string]any {
	items := make([]map[string]any, len(list))
	for i, v := range list {
		items[i] = render(v)
	}
	return items
}

// withType marks a rendered entity with its type, as Graph does in
// collections of directoryObjects that mix types.
func withType(entity map[string]any, typ string) map[string]any {
	entity["@odata.type"] = "#microsoft.graph." + typ
	return entity
}

func (r *request) noContent() *Error {
	r.w.WriteHeader(http.StatusNoContent)
	return nil
}

// readBody reads a JSON object body, bounded, into raw properties.
func (r *request) readBody() (map[string]json.RawMessage, *Error) {
	props, gerr := r.readOptionalBody()
	if gerr == nil && props == nil {
		return nil, badRequest("Empty Payload. JSON content expected.")
	}
	return props, gerr
}

// readOptionalBody is readBody for actions whose body may be omitted: an
// empty body is (nil, nil); anything else must be a JSON object.
func (r *request) readOptionalBody() (map[string]json.RawMessage, *Error) {
	if ct := r.r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return nil, errorf(http.StatusUnsupportedMediaType, codeBadRequest, "Content-Type '%s' is not supported; send application/json.", ct)
	}
	b, err := io.ReadAll(http.MaxBytesReader(r.w, r.r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errorf(http.StatusRequestEntityTooLarge, codeBadRequest, "The request body is larger than %d bytes.", MaxBodyBytes)
		}
		return nil, badRequest("The request body could not be read.")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	var props map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&props); err != nil {
		return nil, badRequest("Invalid JSON in the request body: %v.", err)
	}
	// dec.More misses a stray closing bracket; only whitespace may follow.
	if len(bytes.TrimSpace(b[dec.InputOffset():])) > 0 {
		return nil, badRequest("Invalid JSON in the request body: trailing data.")
	}
	if props == nil {
		return nil, badRequest("The request body must be a JSON object.")
	}
	return props, nil
}

// decodeBody reads a JSON object body into v strictly (see decodeInto);
// name is what an error message calls the body.
func (r *request) decodeBody(name string, v any) *Error {
	props, gerr := r.readBody()
	if gerr != nil {
		return gerr
	}
	raw, _ := json.Marshal(props)
	return decodeInto(raw, name, v)
}

// decodeInto decodes one property strictly (unknown nested properties are
// refused, as Graph refuses them).
func decodeInto(raw json.RawMessage, prop string, v any) *Error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("Invalid value for property '%s': %v.", prop, err)
	}
	return nil
}

// notModelled accepts an empty value (null, [], {} or an object of empty
// arrays) of a property Gatehouse does not model, and refuses any other.
func notModelled(raw json.RawMessage, prop, typ string) *Error {
	var v any
	if json.Unmarshal(raw, &v) == nil && isEmptyValue(v) {
		return nil
	}
	return badRequest("Property '%s' of type 'microsoft.graph.%s' is not supported by Gatehouse yet: only an empty value is accepted.", prop, typ)
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !isEmptyValue(e) {
				return false
			}
		}
		return true
	case string:
		return x == ""
	}
	return false
}

// unknownProperty is Graph's answer to a property the type lacks.
func unknownProperty(prop, typ string) *Error {
	return badRequest("Property '%s' does not exist on type 'microsoft.graph.%s'. Make sure to only use property names that are defined by the type.", prop, typ)
}

// refTarget parses a $ref body's @odata.id and returns the addressed
// entity set and id. Both https://graph.microsoft.com/v1.0/... and this
// server's own base URL are accepted.
func (s *Server) refTarget(r *request) (set, id string, gerr *Error) {
	props, gerr := r.readBody()
	if gerr != nil {
		return "", "", gerr
	}
	raw, ok := props["@odata.id"]
	if !ok {
		return "", "", badRequest("The request body must contain '@odata.id'.")
	}
	for k := range props {
		if k != "@odata.id" {
			return "", "", unknownProperty(k, "directoryObject reference")
		}
	}
	var ref string
	if err := json.Unmarshal(raw, &ref); err != nil {
		return "", "", badRequest("'@odata.id' must be a string.")
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" {
		return "", "", badRequest("Invalid '@odata.id': %q is not an absolute URL.", ref)
	}
	host := strings.ToLower(u.Scheme + "://" + u.Host)
	if host != "https://graph.microsoft.com" && !s.bases[host] {
		return "", "", badRequest("Invalid '@odata.id': %q is neither a Microsoft Graph URL nor this server's.", ref)
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(u.Path, "/v1.0"), "/"), "/")
	switch {
	case len(parts) == 2:
		return parts[0], parts[1], nil
	case len(parts) == 3 && parts[0] == "policies":
		return parts[0] + "/" + parts[1], parts[2], nil
	}
	return "", "", badRequest("Invalid '@odata.id': %q does not address an object.", ref)
}
