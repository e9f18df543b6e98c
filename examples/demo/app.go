package demo

import (
	"net/http"

	sselimit "github.com/sselimit/sselimit/core"
)

// App is the limiter and gate of an example app, made from its Config,
// with the handlers every app serves the same way.
type App struct {
	Config
	Gate *sselimit.Gate
	lim  *sselimit.SSELimiter
}

// New makes the limiter and gate that cfg describes. A request without a
// user is limited by its client address.
func New(cfg Config) (*App, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	lim := sselimit.NewSSELimiter(cfg.MaxTotal, cfg.MaxPerUser)
	gate, err := sselimit.NewGate(lim,
		sselimit.WithEmptyKey(sselimit.FallbackToIP),
		sselimit.WithHeartbeat(cfg.Heartbeat),
	)
	if err != nil {
		return nil, err
	}
	return &App{Config: cfg, Gate: gate, lim: lim}, nil
}

// A Route is a GET route served by a plain net/http handler.
type Route struct {
	Path    string
	Handler http.Handler
}

// Routes are the GET routes every app serves besides /events: the page
// and the counts.
func (a *App) Routes() []Route {
	return []Route{
		{"/", http.HandlerFunc(servePage)},
		{"/stats", http.HandlerFunc(a.serveStats)},
	}
}

// NotGET are the methods /events answers with MethodNotAllowed. HEAD is
// one of them: the answer to a GET is a stream that holds a slot, so a
// HEAD could only run the admission for nothing or guess its outcome.
var NotGET = []string{
	http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
}

// MethodNotAllowed answers 405 with "Allow: GET", without asking the
// limiter: no slot is taken and no refusal is counted.
func MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodGet)
	http.Error(w, "405 method not allowed: "+r.URL.Path+" answers GET only", http.StatusMethodNotAllowed)
}
