// Package web holds the HTML templates and static files of Gatehouse's
// pages, embedded into the binary.
package web

import (
	"embed"
	"html/template"
	"io/fs"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Templates parses every page template together with the layout.
func Templates() (*template.Template, error) {
	return template.New("").ParseFS(templateFS, "templates/*.html")
}

// Static returns the static files (CSS, images) rooted at static/.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the folder exists
	}
	return sub
}
