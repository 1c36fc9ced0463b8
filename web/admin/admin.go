// Package admin holds the page templates and static files (CSS, the copy
// button script) of Gatehouse's admin centre, embedded into the binary.
package admin

import (
	"embed"
	"html/template"
	"io/fs"

	"github.com/gatehouse-id/gatehouse/internal/webui"
)

//go:embed templates/*.html static
var files embed.FS

// Templates parses the admin centre's page templates with the given helpers.
func Templates(funcs template.FuncMap) (*template.Template, error) {
	return webui.Templates(files, funcs)
}

// Static returns the admin centre's static files rooted at static/.
func Static() fs.FS { return webui.StaticFiles(files) }
