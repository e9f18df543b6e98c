package sselimit

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// DebugHandler serves the gate's Snapshot as JSON, for operators: the open
// streams (oldest first) and the users holding the most. The query
// parameters "streams" and "top" bound the lists (defaults 100 and 10,
// at most 10000 each). It answers GET and HEAD only.
//
// It shows user keys and client addresses. Like net/http/pprof, it is
// never mounted unless the application mounts it: put it behind the
// application's own authentication, or on a listener only operators
// reach, never on a public route.
func DebugHandler(g *Gate) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var opt SnapshotOptions
		var err error
		if opt.MaxStreams, err = boundedParam(r, "streams"); err == nil {
			opt.TopUsers, err = boundedParam(r, "top")
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		body, err := json.MarshalIndent(g.Snapshot(ctx, opt), "", "  ")
		if err != nil {
			http.Error(w, "snapshot not encodable", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(append(body, '\n'))
	})
}

// maxListed bounds the lists DebugHandler serves.
const maxListed = 10000

// boundedParam reads a query parameter that must be an integer from 1 to
// maxListed, or absent (0: the default).
func boundedParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxListed {
		return 0, &paramError{name}
	}
	return n, nil
}

type paramError struct{ name string }

func (e *paramError) Error() string {
	return "query parameter " + strconv.Quote(e.name) + " must be an integer from 1 to " + strconv.Itoa(maxListed)
}
