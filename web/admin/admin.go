// Package admin holds the page templates and static files (CSS, the copy
// button script) of Gatehouse's admin centre, embedded into the binary.
package admin

import (
	"embed"
	"html/template"
	"io/fs"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Templates parses the admin centre's page templates with the given helpers.
func Templates(funcs template.FuncMap) (*template.Template, error) {
	return template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
}

// Static returns the admin centre's static files rooted at static/.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the folder exists
	}
	return sub
}
