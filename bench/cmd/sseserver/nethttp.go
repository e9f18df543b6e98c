package main

import (
	"fmt"
	"io"
	"net/http"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

func init() { frameworks["nethttp"] = framework{bareNetHTTP, limitedNetHTTP} }

func bareNetHTTP() server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", bareNetHTTPStream)
	mux.HandleFunc("GET /refuse", bareNetHTTPRefuse)
	return httpServer(mux)
}

func limitedNetHTTP(gate *sselimit.Gate) server {
	stream := sselimit.Middleware(gate, sselimit.WithKeyFunc(userKey))(http.HandlerFunc(limitedNetHTTPStream))
	mux := http.NewServeMux()
	mux.Handle("GET /events", stream)
	mux.Handle("GET /refuse", stream)
	return httpServer(mux)
}

// httpServer serves h the way Gin, Echo and net/http apps usually do.
func httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h}
}

// bareNetHTTPStream is a hand-written stream: headers, the hello event,
// then a heartbeat until the client goes.
func bareNetHTTPStream(w http.ResponseWriter, r *http.Request) {
	sselimit.SetStreamHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, helloFormat, r.URL.Query().Get("user"))
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			io.WriteString(w, ": heartbeat\n\n")
			if rc.Flush() != nil {
				return
			}
		}
	}
}

func bareNetHTTPRefuse(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Retry-After", retryAfter)
	http.Error(w, refusalMessage, http.StatusTooManyRequests)
}

// limitedNetHTTPStream runs behind sselimit.Middleware, which committed the
// response and runs the heartbeat.
func limitedNetHTTPStream(_ http.ResponseWriter, r *http.Request) {
	s := sselimit.StreamFromContext(r.Context())
	if s.Send(hello(r.URL.Query().Get("user"))) != nil {
		return
	}
	<-s.Context().Done()
}
