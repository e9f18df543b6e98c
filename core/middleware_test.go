package sselimit_test

import (
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
)

func TestMiddlewareBehaviour(t *testing.T) {
	sselimittest.Run(t, sselimittest.Harness{Start: startNetHTTP})
}

// startNetHTTP serves the suite's route through Middleware on a real
// http.Server, behind a recovery middleware like the ones frameworks have.
func startNetHTTP(t *testing.T, cfg sselimittest.Config) string {
	var opts []sselimit.HandlerOption
	if cfg.UserKey {
		opts = append(opts, sselimit.WithKeyFunc(func(r *http.Request) (string, error) {
			return sselimittest.UserKey(r.Header.Get("X-User"))
		}))
	}
	if cfg.UserCap {
		opts = append(opts, sselimit.WithUserCap(func(r *http.Request) int {
			return sselimittest.UserCap(r.Header.Get("X-Cap"))
		}))
	}
	if cfg.TrustProxy {
		opts = append(opts, sselimit.WithClientIP(forwardedFrom("127.0.0.1")))
	}
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sselimittest.Behave(sselimit.StreamFromContext(r.Context()), r.URL.RawQuery)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /stream", recovery(cfg.Recovered, sselimit.Middleware(cfg.Gate, opts...)(stream)))
	return serve(t, mux)
}

// forwardedFrom returns a client-address function believing the last
// X-Forwarded-For entry of requests from proxy only.
func forwardedFrom(proxy string) func(*http.Request) string {
	return func(r *http.Request) string {
		peer := sselimit.RemoteIP(r)
		if peer != proxy {
			return peer
		}
		list := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		if last := strings.TrimSpace(list[len(list)-1]); last != "" {
			return last
		}
		return peer
	}
}

func recovery(recovered func(any), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				recovered(v)
				panic(http.ErrAbortHandler)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func serve(t *testing.T, h http.Handler) string {
	url, _ := serveServer(t, h)
	return url
}

// serveServer serves h on 127.0.0.1 until t ends.
func serveServer(t *testing.T, h http.Handler) (string, *http.Server) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String(), srv
}
