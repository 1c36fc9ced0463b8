// Package portal holds the page templates and static files (CSS, the small
// progressive script) of Gatehouse's cluster portal, embedded into the
// binary. The login host's pages stay in package web.
package portal

import (
	"embed"
	"html/template"
	"io/fs"

	"github.com/gatehouse-id/gatehouse/internal/webui"
)

//go:embed templates/*.html static
var files embed.FS

// Templates parses the portal's page templates with the given helpers.
func Templates(funcs template.FuncMap) (*template.Template, error) {
	return webui.Templates(files, funcs)
}

// Static returns the portal's static files rooted at static/.
func Static() fs.FS { return webui.StaticFiles(files) }
