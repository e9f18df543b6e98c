package sselimittest

import (
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

// NetHTTP is the harness of the net/http adapter, sselimit.Middleware,
// on a real http.Server behind a recovery middleware like the ones
// frameworks have. Set its Backend to run the suite on another limiter.
func NetHTTP() Harness { return Harness{Start: startNetHTTP} }

func startNetHTTP(t *testing.T, cfg Config) string {
	var opts []sselimit.HandlerOption
	if cfg.UserKey {
		opts = append(opts, sselimit.WithKeyFunc(func(r *http.Request) (string, error) {
			return UserKey(r.Header.Get("X-User"))
		}))
	}
	if cfg.UserCap {
		opts = append(opts, sselimit.WithUserCap(func(r *http.Request) int {
			return UserCap(r.Header.Get("X-Cap"))
		}))
	}
	if cfg.TrustProxy {
		opts = append(opts, sselimit.WithClientIP(forwardedFrom("127.0.0.1")))
	}
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Behave(sselimit.StreamFromContext(r.Context()), r.URL.RawQuery)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /stream", recovery(cfg.Recovered, sselimit.Middleware(cfg.Gate, opts...)(stream)))
	return Serve(t, &http.Server{Handler: mux, ConnContext: sselimit.ConnContext})
}

// forwardedFrom returns a client-address function believing the last
// X-Forwarded-For entry of requests from proxy only: net/http has no
// trusted-proxy setting of its own.
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

// recovery reports each panic of next to recovered, then aborts the
// response as net/http does.
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

// Serve runs srv on 127.0.0.1 with a random port until t ends, and
// returns its base URL. Without an ErrorLog, srv logs nothing.
func Serve(t testing.TB, srv *http.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if srv.ErrorLog == nil {
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
