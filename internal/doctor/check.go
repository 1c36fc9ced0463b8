package doctor

import (
	"fmt"
	"io"
	"strings"
)

// Status is the outcome of one check.
type Status string

// Outcomes.
const (
	StatusOK      Status = "OK"
	StatusProblem Status = "PROBLEM"
	// StatusSkipped: the check could not run (missing input, an earlier
	// link failed, or Graph access was denied); Summary says why.
	StatusSkipped Status = "SKIPPED"
)

// Check is the result of one check.
type Check struct {
	// ID is stable, for scripts: discovery, graph_access, redirect_uri,
	// token, token_valid, claim:<name>, lifetime, kube_authn.
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Status  Status   `json:"status"`
	Summary string   `json:"summary"`
	Details []string `json:"details,omitempty"`
	// Fix says what to change, for problems (and for skips that a setting
	// would lift).
	Fix string `json:"fix,omitempty"`
}

func passed(id, title, format string, args ...any) Check {
	return Check{ID: id, Title: title, Status: StatusOK, Summary: sentence(format, args...)}
}

func problem(id, title, format string, args ...any) Check {
	return Check{ID: id, Title: title, Status: StatusProblem, Summary: sentence(format, args...)}
}

func skipped(id, title, format string, args ...any) Check {
	return Check{ID: id, Title: title, Status: StatusSkipped, Summary: sentence(format, args...)}
}

func (c Check) detail(format string, args ...any) Check {
	c.Details = append(c.Details, sentence(format, args...))
	return c
}

// sentence formats a message, dropping the period doubled when an
// embedded error message already ends with one.
func sentence(format string, args ...any) string {
	s := fmt.Sprintf(format, args...)
	if strings.HasSuffix(s, "..") {
		s = s[:len(s)-1]
	}
	return s
}

func (c Check) fix(format string, args ...any) Check {
	c.Fix = fmt.Sprintf(format, args...)
	return c
}

// Report is the outcome of a doctor run.
type Report struct {
	Issuer   string  `json:"issuer"`
	ClientID string  `json:"client_id"`
	Checks   []Check `json:"checks"`
}

// Count returns how many checks have the status.
func (r *Report) Count(s Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// Check returns the check with the id.
func (r *Report) Check(id string) (Check, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Checking the sign-in chain for client %s at issuer %s\n\n", r.ClientID, r.Issuer)
	const indent = "         "
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%-8s %s\n", c.Status, c.Title)
		fmt.Fprintf(&b, "%s%s\n", indent, c.Summary)
		for _, d := range c.Details {
			fmt.Fprintf(&b, "%s- %s\n", indent, d)
		}
		if c.Fix != "" {
			lines := strings.Split(strings.TrimRight(c.Fix, "\n"), "\n")
			fmt.Fprintf(&b, "%sFix: %s\n", indent, lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(&b, "%s     %s\n", indent, l)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%d OK, %d problem(s), %d skipped\n", r.Count(StatusOK), r.Count(StatusProblem), r.Count(StatusSkipped))
	_, err := io.WriteString(w, b.String())
	return err
}
