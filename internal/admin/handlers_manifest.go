package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Manifest: the application object as Graph renders it, edited as JSON.
// The edit goes to Graph as a PATCH of the properties that changed, so
// Graph's parsing and the directory's rules judge it; read-only properties
// may stay but not change.

// manifestJSON is the application's manifest text: Graph's rendering,
// indented, without @odata.context.
func manifestJSON(app map[string]any) string {
	delete(app, "@odata.context")
	b, _ := json.MarshalIndent(app, "", "  ")
	return string(b)
}

func (s *Server) manifestPage(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	var app map[string]any
	if gerr := s.readGraph(r.Context(), p, "applications/"+a.ID, &app); gerr != nil {
		s.renderProblem(w, p, gerr.Status, problem{Title: "The manifest cannot be shown", Detail: graphError(gerr).Message, Code: gerr.Code, Retry: "/applications/" + a.ID})
		return
	}
	pg := s.appPage(r, p, a, sp, "manifest", "Manifest")
	pg.Manifest = manifestJSON(app)
	s.render(w, http.StatusOK, "application_manifest", pg)
}

func (s *Server) saveManifest(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadAppTab(w, r, p, "manifest", "Manifest")
	if !ok {
		return
	}
	a := pg.App
	pg.Manifest = r.PostFormValue("manifest")
	fail := func(status int) {
		s.render(w, status, "application_manifest", pg)
	}
	var current map[string]any
	if gerr := s.readGraph(r.Context(), p, "applications/"+a.ID, &current); gerr != nil {
		pg.Error = graphError(gerr)
		fail(gerr.Status)
		return
	}
	patch, changed, err := manifestPatch(current, []byte(pg.Manifest))
	var me *ManifestError
	if errors.As(err, &me) {
		pg.ManifestErr = me
		pg.Error = &FormError{Message: "The manifest was not saved: " + me.Error() + "."}
		fail(http.StatusBadRequest)
		return
	}
	if len(patch) == 0 {
		http.Redirect(w, r, "/applications/"+a.ID+"/manifest?done=unchanged", http.StatusSeeOther)
		return
	}
	_, gerr := s.apply(r.Context(), p, change{Activity: "Update application – Manifest (" + strings.Join(changed, ", ") + ")",
		Method: "PATCH", Path: "applications/" + a.ID, Body: patch})
	if gerr != nil {
		pg.Error = graphError(gerr)
		pg.Error.Message = "The manifest was not saved. Microsoft Graph answered: " + pg.Error.Message
		fail(gerr.Status)
		return
	}
	http.Redirect(w, r, "/applications/"+a.ID+"/manifest?done=saved", http.StatusSeeOther)
}

// acceptMappedClaims is the one-click fix of AADSTS50146: the same PATCH
// as setting api.acceptMappedClaims to true in the manifest.
func (s *Server) acceptMappedClaims(w http.ResponseWriter, r *http.Request, p *principal) {
	a, _, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	back := safeReturnTo(r.PostFormValue("return"))
	if back == "/" {
		back = "/applications/" + a.ID
	}
	_, gerr := s.apply(r.Context(), p, change{Activity: "Update application – Manifest (api.acceptMappedClaims)", Method: "PATCH",
		Path: "applications/" + a.ID, Body: map[string]any{"api": map[string]any{"acceptMappedClaims": true}}})
	if gerr != nil {
		fe := graphError(gerr)
		s.renderProblem(w, p, gerr.Status, problem{Title: "acceptMappedClaims was not changed", Detail: fe.Message, Code: fe.Code, Retry: back})
		return
	}
	http.Redirect(w, r, withDone(back, "mapped-claims"), http.StatusSeeOther)
}

// withDone adds ?done= to a local path.
func withDone(path, done string) string {
	if strings.Contains(path, "?") {
		return path + "&done=" + done
	}
	return path + "?done=" + done
}
