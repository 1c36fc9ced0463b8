package admin

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/webui"
)

// Layout is the frame of every page: header, navigation, notices.
type Layout struct {
	Title string
	// Nav is the active section: overview, applications, enterprise,
	// users, groups, policies, audit.
	Nav    string
	User   *directory.User // nil when signed out
	Roles  []string        // the user's administrative roles, by name
	Tenant *directory.Tenant
	// CSRF is the session's form token.
	CSRF string
	// Notice is a success message after a change (from ?done=).
	Notice string
	// Crumbs lead back from a detail page.
	Crumbs []Crumb
}

// Crumb is one breadcrumb link.
type Crumb struct{ Label, Href string }

// layout is the frame of a signed-in page.
func (s *Server) layout(r *http.Request, p *principal, title, nav string, crumbs ...Crumb) Layout {
	l := Layout{Title: title, Nav: nav, Crumbs: crumbs}
	if p == nil {
		return l
	}
	l.User, l.Tenant, l.CSRF = p.User, p.Tenant, p.Session.CSRFToken
	for _, id := range p.Actor.Roles {
		if n := RoleName(id); n != "" {
			l.Roles = append(l.Roles, n)
		}
	}
	if r != nil {
		l.Notice = notices[r.URL.Query().Get("done")]
	}
	return l
}

// notices are the fixed success messages a redirect after a change may
// name with ?done=; a query parameter never carries page text.
var notices = map[string]string{
	"saved":              "Your changes were saved.",
	"created":            "Created.",
	"deleted":            "Deleted.",
	"consent":            "Admin consent was granted.",
	"permissions-added":  "Permissions added. Application permissions need admin consent before tokens carry them.",
	"permission-removed": "The permission was removed from the list of configured permissions. Consent already granted stays until it is revoked.",
	"claim-added":        "The claim was added. Tokens for this application carry it from the next sign-in.",
	"claim-removed":      "The claim was removed.",
	"policy-assigned":    "The token lifetime policy is assigned. New tokens for this application get its lifetime.",
	"policy-removed":     "The token lifetime policy was removed from this application.",
	"password-reset":     "The password was reset.",
	"member-added":       "Member added.",
	"member-removed":     "Member removed.",
	"mapped-claims":      "acceptMappedClaims is now true: sign-ins to this application receive its mapped claims.",
	"unchanged":          "Nothing to save: the manifest is unchanged.",
	"role-assigned":      "The role is assigned. It applies at once in Graph and this admin centre, and in the wids claim of the next tokens.",
	"role-removed":       "The role assignment was removed.",
}

// problem is an error page's content.
type problem struct {
	Title  string
	Detail string
	// Code is Graph's error code, when the problem is Graph's answer.
	Code string
	// Retry is a local link to go back or try again ("" for none).
	Retry string
}

type problemPage struct {
	Layout
	Problem problem
	Status  int
}

// renderProblem shows an error page (in the admin frame when signed in).
func (s *Server) renderProblem(w http.ResponseWriter, p *principal, status int, pr problem) {
	s.render(w, status, "problem", &problemPage{Layout: s.layout(nil, p, pr.Title, ""), Problem: pr, Status: status})
}

// serverError logs the cause and shows a generic page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, p *principal, what string, err error) {
	s.log.Error(what, "path", r.URL.Path, "err", err)
	s.renderProblem(w, p, http.StatusInternalServerError, problem{Title: "Something went wrong",
		Detail: "The admin centre could not complete the request. Try again; if it persists, check the server's log.", Retry: "/"})
}

// notFound is the page of an object that does not exist.
func (s *Server) notFound(w http.ResponseWriter, p *principal, what, back string) {
	s.renderProblem(w, p, http.StatusNotFound, problem{Title: what + " not found",
		Detail: "It does not exist in this tenant, or it was deleted.", Retry: back})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	p, _, _ := s.currentPrincipal(w, r)
	s.notFound(w, p, "Page", "/")
}

// denied is the page for an operation the administrator's role does not
// allow: Graph's own answer, in words.
func (s *Server) denied(w http.ResponseWriter, p *principal, back string) {
	s.renderProblem(w, p, http.StatusForbidden, problem{Title: "Your role does not allow this",
		Detail: "Your directory roles (" + roleList(p) + ") do not allow this change. Microsoft Graph would answer: Insufficient privileges to complete the operation.",
		Code:   "Authorization_RequestDenied", Retry: back})
}

func roleList(p *principal) string {
	var names []string
	for _, id := range p.Actor.Roles {
		if n := RoleName(id); n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// FormError is a refused change as a page shows it: Graph's message and
// code, or a form problem found before Graph was asked.
type FormError struct {
	Message string
	Code    string
}

// graphError turns Graph's error into words for a page.
func graphError(e *graph.Error) *FormError {
	if e == nil {
		return nil
	}
	if e.Code == "Authorization_RequestDenied" {
		return &FormError{Message: "Your role does not allow this change. Microsoft Graph answered: " + e.Message, Code: e.Code}
	}
	if e.Status >= 500 {
		return &FormError{Message: "The change could not be completed because of a server error. Try again; if it persists, check the server's log.", Code: e.Code}
	}
	return &FormError{Message: e.Message, Code: e.Code}
}

func formError(format string, args ...any) *FormError {
	return &FormError{Message: fmt.Sprintf(format, args...)}
}

// templateFuncs are the helpers the page templates use.
var templateFuncs = template.FuncMap{
	// actorKind names who made an audited change, as Entra's audit log
	// does; records from before actor types were stored say nothing.
	"actorKind": func(t string) string {
		switch t {
		case "user":
			return "User"
		case "application":
			return "Application"
		case "system":
			return "System"
		}
		return ""
	},
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02")
	},
	"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join":     strings.Join,
	"roleName": RoleName,
	"duration": humanDuration,
	"json": func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	},
	"deref": func(b *bool) bool { return b != nil && *b },
	"emptyState": func(title, text string) emptyState {
		return emptyState{Title: title, Text: text}
	},
	"extShort": extensionShort,
	"bannerData": func(app *directory.Application, claims []ClaimView, canWrite bool, csrf, ret string) bannerData {
		return bannerData{App: app, Claims: claims, CanWrite: canWrite, CSRF: csrf, Return: ret}
	},
	"section": func(want, section string, err *FormError) sectionError {
		return sectionError{Want: want, Section: section, Error: err}
	},
	"contains": func(list []string, s string) bool {
		for _, v := range list {
			if v == s {
				return true
			}
		}
		return false
	},
}

// bannerData is the data of the AADSTS50146 banner.
type bannerData struct {
	App      *directory.Application
	Claims   []ClaimView
	CanWrite bool
	CSRF     string
	Return   string // where the quick fix returns
}

// sectionError shows a form error in the section it belongs to.
type sectionError struct {
	Want, Section string
	Error         *FormError
}

// emptyState is the data of the "empty" template.
type emptyState struct{ Title, Text string }

// humanDuration says a lifetime the way a person reads it.
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return webui.HoursMinutes(d)
}
