package portal

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/webui"
)

// pageData is what every page template receives: its own fields and the
// layout's.
type pageData interface{ layout() *Layout }

// Layout is the frame of every page: header, navigation, avatar.
type Layout struct {
	Title string
	// Nav is the active navigation entry: home, namespaces, account.
	Nav  string
	User *UserView // nil when signed out
	// CSRF is the session's form token (sign-out in the header).
	CSRF string
	// Cluster is the API server's URL, "" without a cluster.
	Cluster string
}

func (l *Layout) layout() *Layout { return l }

func (l *Layout) pictureURL() string {
	if l.User != nil {
		return l.User.Picture
	}
	return ""
}

// UserView is the signed-in user as pages show them. It never holds a token.
type UserView struct {
	Name     string
	Username string
	Email    string
	Picture  string // safe URL or ""
	Initials string
	Groups   []string
	Subject  string
	Issuer   string
	// SessionEndsAt is when the session ends at the latest; Remaining says it
	// in words; Refreshable says whether tokens renew before then.
	SessionEndsAt time.Time
	Remaining     string
	Refreshable   bool
	TokenExpires  time.Time
	SignedInAt    time.Time
}

// DisplayName is the name shown in the header.
func (u *UserView) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}

func (s *Server) layoutFor(sess *Session, title, nav string) Layout {
	l := Layout{Title: title, Nav: nav}
	if s.cluster != nil {
		l.Cluster = s.cluster.Server()
	}
	if sess == nil {
		return l
	}
	now := s.now()
	p := sess.Profile
	l.CSRF = sess.CSRFToken
	l.User = &UserView{Name: p.Name, Username: p.Username, Email: p.Email, Picture: SafePictureURL(p.Picture),
		Initials: Initials(p.Name, p.Username), Groups: p.Groups, Subject: sess.Subject, Issuer: sess.Issuer,
		SessionEndsAt: sess.EndsAt(), Remaining: humanDuration(sess.Remaining(now)), Refreshable: sess.CanRefresh(),
		TokenExpires: sess.IDTokenExp, SignedInAt: sess.AuthenticatedAt}
	return l
}

// humanDuration says a remaining time the way a person reads it.
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "expired"
	case d < time.Minute:
		return "less than a minute"
	}
	return webui.HoursMinutes(d)
}

// templateFuncs are the helpers the page templates use.
var templateFuncs = template.FuncMap{
	"sourceLabel": func(s Source) string {
		switch s {
		case SourceClaim:
			return "from your sign-in claim"
		case SourceDeployment:
			return "portal default"
		case SourceUser:
			return "set by you"
		}
		return "not set"
	},
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"clock":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"join":    strings.Join,
	"emptyState": func(title, text string) emptyState {
		return emptyState{Title: title, Text: text}
	},
}

// problem is an error page's content.
type problem struct {
	Title  string
	Detail string
	// Retry is a local link to try again ("" for none).
	Retry string
}

type problemPage struct {
	Layout
	Problem problem
	Status  int
}

// renderProblem shows an error page in the portal's frame.
func (s *Server) renderProblem(w http.ResponseWriter, r *http.Request, sess *Session, status int, p problem) {
	s.render(w, status, "problem", &problemPage{Layout: s.layoutFor(sess, p.Title, ""), Problem: p, Status: status})
}

// serverError logs the cause and shows a generic page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, sess *Session, what string, err error) {
	s.log.Error(what, "path", r.URL.Path, "err", err)
	s.renderProblem(w, r, sess, http.StatusInternalServerError, problem{Title: "Something went wrong",
		Detail: "The portal could not complete the request. Try again; if it persists, tell the portal's operators.",
		Retry:  "/"})
}

// AvatarView is one avatar: the picture when there is a safe one, the
// initials behind it as the fallback.
type AvatarView struct {
	Place    string // "header" or "account": element ids and sizes
	Picture  string
	Initials string
}

// Avatar is the user's avatar for a place on the page.
func (u *UserView) Avatar(place string) AvatarView {
	return AvatarView{Place: place, Picture: u.Picture, Initials: u.Initials}
}

// emptyState is the data of the "empty" template.
type emptyState struct{ Title, Text string }
