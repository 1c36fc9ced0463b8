package oauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Error is an OAuth 2.0 protocol error with Entra's AADSTS code.
type Error struct {
	Status      int    // HTTP status for JSON responses
	Code        string // OAuth error code (invalid_request, invalid_grant, ...)
	AADSTS      int    // Entra error number
	Description string // text after "AADSTSnnnnn: "
	// Suberror is Entra's suberror (consent_required, basic_action, …),
	// which MSAL reads to decide that the user must interact.
	Suberror string
	// Cause is logged, never sent.
	Cause error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: AADSTS%d: %s", e.Code, e.AADSTS, e.Description)
}

func newError(status int, code string, aadsts int, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, AADSTS: aadsts, Description: fmt.Sprintf(format, args...)}
}

// withCause attaches an internal cause for the log.
func (e *Error) withCause(err error) *Error { e.Cause = err; return e }

// Constructors for the errors Entra returns, with its AADSTS numbers.
func errMissingParam(name string) *Error {
	return newError(400, "invalid_request", 900144, "The request body must contain the following parameter: '%s'.", name)
}

func errMalformed(format string, args ...any) *Error {
	return newError(400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid. "+format, args...)
}

func errTenantNotFound(segment string) *Error {
	return newError(400, "invalid_tenant", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", segment)
}

func errClientNotFound(clientID, tenant string) *Error {
	return newError(400, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, tenant)
}

// errMappedClaims is Entra's AADSTS50146: a claims mapping policy applies
// but the app neither accepts mapped claims nor has its own signing key.
func errMappedClaims() *Error {
	return newError(400, "invalid_client", 50146, "This application is required to be configured with an application-specific signing key. It is either not configured with one, or the key has expired or is not yet valid. Please contact the application's administrator.")
}

func errServerError(err error) *Error {
	return newError(500, "server_error", 90033, "A transient error has occurred. Please try again.").withCause(err)
}

// errorBody is Entra's token endpoint error JSON.
type errorBody struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	ErrorCodes    []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri,omitempty"`
	Suberror      string `json:"suberror,omitempty"`
}

// traceIDs returns the trace id (new) and correlation id (the client's
// client-request-id when it sent a GUID, as Entra echoes it).
func traceIDs(r *http.Request) (trace, correlation string) {
	trace = uuid.NewString()
	correlation = r.Header.Get("client-request-id")
	if _, err := uuid.Parse(correlation); err != nil || correlation == "" {
		correlation = uuid.NewString()
	}
	return trace, correlation
}

// description renders Entra's full error_description text.
func (e *Error) description(trace, correlation string, now time.Time) string {
	return fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
		e.AADSTS, e.Description, trace, correlation, now.UTC().Format("2006-01-02 15:04:05Z"))
}

// writeJSONError renders an Error as the token endpoint does.
func (s *Server) writeJSONError(w http.ResponseWriter, r *http.Request, e *Error) {
	now := s.now()
	trace, corr := traceIDs(r)
	s.logError(r, e, trace)
	body := errorBody{
		Error: e.Code, Description: e.description(trace, corr, now), ErrorCodes: []int{e.AADSTS},
		Timestamp: now.UTC().Format("2006-01-02 15:04:05Z"), TraceID: trace, CorrelationID: corr,
		ErrorURI: s.baseURL(r) + "/error?code=" + fmt.Sprint(e.AADSTS), Suberror: e.Suberror,
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("client-request-id", corr)
	h.Set("x-ms-request-id", trace)
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusUnauthorized && r.Header.Get("Authorization") != "" {
		h.Set("WWW-Authenticate", `Basic realm="gatehouse"`)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (s *Server) logError(r *http.Request, e *Error, trace string) {
	attrs := []any{"path", r.URL.Path, "error", e.Code, "aadsts", e.AADSTS, "trace_id", trace}
	if e.Cause != nil {
		attrs = append(attrs, "cause", e.Cause.Error())
	}
	if e.Status >= 500 {
		s.log.Error("request failed", attrs...)
		return
	}
	s.log.Info("request refused", attrs...)
}
