package webui

import (
	"html/template"
	"io/fs"
)

// Templates parses the templates/*.html pages of fsys with the given helpers.
func Templates(fsys fs.FS, funcs template.FuncMap) (*template.Template, error) {
	return template.New("").Funcs(funcs).ParseFS(fsys, "templates/*.html")
}

// StaticFiles returns fsys's static/ folder as the root of the static
// files. It panics when the folder is missing: the embed directive that
// built fsys guarantees it.
func StaticFiles(fsys fs.FS) fs.FS {
	sub, err := fs.Sub(fsys, "static")
	if err != nil {
		panic(err)
	}
	return sub
}
