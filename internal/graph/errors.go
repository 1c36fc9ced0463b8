package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Graph error codes used by the directory workload.
const (
	codeInvalidToken     = "InvalidAuthenticationToken"
	codeDenied           = "Authorization_RequestDenied"
	codeNotFound         = "Request_ResourceNotFound"
	codeBadRequest       = "Request_BadRequest"
	codeNotUnique        = "Request_MultipleObjectsWithSameKeyValue"
	codeUnsupportedQuery = "Request_UnsupportedQuery"
	codeParseURI         = "BadRequest"
	codeMethod           = "Request_MethodNotAllowed"
	codeInternal         = "Service_InternalServerError"
)

// Error is a Graph error: HTTP status, code and message.
type Error struct {
	Status  int
	Code    string
	Message string
	Cause   error // logged, never sent
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, codeBadRequest, format, args...)
}

func notFound(id string) *Error {
	return errorf(http.StatusNotFound, codeNotFound, "Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)
}

var errDenied = &Error{Status: http.StatusForbidden, Code: codeDenied, Message: "Insufficient privileges to complete the operation."}

// fromDomain maps a registry or store error to Graph's error. id names the
// addressed object for not-found messages.
func fromDomain(err error, id string) *Error {
	var (
		ge   *Error
		unk  *registry.UnknownExtensionError
		bad  *registry.BadRequestError
		uniq *registry.UniquenessError
		den  *registry.DeniedError
		val  *directory.ValidationError
	)
	switch {
	case errors.As(err, &ge):
		return ge
	case errors.As(err, &den):
		return errorf(http.StatusForbidden, codeDenied, "Insufficient privileges to complete the operation. %s", den.Msg)
	case errors.Is(err, registry.ErrActorInvalid):
		return errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. The user or application no longer exists or is disabled.")
	case errors.As(err, &uniq) && uniq.Property == "servicePrincipalNames", errors.As(err, &uniq) && uniq.Property == "clientId":
		return errorf(http.StatusConflict, codeNotUnique, "%s", uniq.Msg)
	case errors.As(err, &unk):
		return badRequest("%s", unk.Error())
	case errors.As(err, &bad):
		return badRequest("%s", bad.Msg)
	case errors.As(err, &uniq):
		return errorf(http.StatusBadRequest, codeNotUnique, "%s", uniq.Msg)
	case errors.As(err, &val):
		msgs := make([]string, len(val.Problems))
		for i, p := range val.Problems {
			msgs[i] = fmt.Sprintf("Invalid value specified for property '%s' of resource '%s': %s.", p.Field, val.Object, p.Message)
		}
		return badRequest("%s", strings.Join(msgs, " "))
	case errors.Is(err, directory.ErrInvalidPassword):
		return badRequest("The specified password does not comply with password complexity requirements. %v", err)
	case errors.Is(err, store.ErrNotFound):
		return notFound(id)
	case errors.Is(err, store.ErrConflict):
		return errorf(http.StatusBadRequest, codeNotUnique, "Another object with the same value for property %s already exists.", conflictProperty(err))
	}
	return &Error{Status: http.StatusInternalServerError, Code: codeInternal, Message: "An internal server error occurred.", Cause: err}
}

func conflictProperty(err error) string {
	msg := err.Error()
	for _, p := range []string{"userPrincipalName", "appId", "name", "mailNickname"} {
		if strings.Contains(strings.ToLower(msg), strings.ToLower(p)) {
			return p
		}
	}
	return "id"
}

type errorBody struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// writeError renders Graph's error object.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	var body errorBody
	body.Error.Code, body.Error.Message = e.Code, e.Message
	reqID := uuid.NewString()
	body.Error.InnerError.Date = s.clock().UTC().Format("2006-01-02T15:04:05")
	body.Error.InnerError.RequestID = reqID
	body.Error.InnerError.ClientRequestID = clientRequestID(r, reqID)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", e.Status, "code", e.Code, "request_id", reqID}
	if e.Cause != nil {
		attrs = append(attrs, "cause", e.Cause.Error())
		s.log.Error("graph request failed", attrs...)
	} else {
		s.log.Info("graph request refused", attrs...)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("request-id", reqID)
	h.Set("client-request-id", body.Error.InnerError.ClientRequestID)
	if e.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(body)
}

func clientRequestID(r *http.Request, fallback string) string {
	if v := r.Header.Get("client-request-id"); v != "" && len(v) <= 64 {
		return v
	}
	return fallback
}
