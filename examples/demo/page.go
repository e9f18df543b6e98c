package demo

import (
	_ "embed"
	"net/http"
)

// Page is the HTML page served at "/": plain JavaScript, no external
// resources.
//
//go:embed page.html
var Page []byte

func servePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(Page)
}
