package sselimitredis_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
)

// suiteLimiter is a Limiter as the behaviour suite reads its counts: a
// count Redis cannot give is -1, which no expectation matches.
type suiteLimiter struct{ *sselimitredis.Limiter }

func (s suiteLimiter) ActiveConnections() int64 {
	n, err := s.Limiter.ActiveConnections(context.Background())
	if err != nil {
		return -1
	}
	return n
}

func (s suiteLimiter) ActiveForUser(key string) int64 {
	n, err := s.Limiter.ActiveForUser(context.Background(), key)
	if err != nil {
		return -1
	}
	return n
}

var names atomic.Int64

// backend returns a suite Backend making each case a limiter of its own
// name on the Redis that rc reaches.
func backend(rc redis.UniversalClient, opts ...sselimitredis.Option) sselimittest.Backend {
	return func(t *testing.T, maxTotal, maxPerUser int) sselimittest.Limiter {
		name := sselimitredis.WithName("suite-" + strconv.FormatInt(names.Add(1), 10))
		return suiteLimiter{newLimiter(t, rc, maxTotal, maxPerUser, append([]sselimitredis.Option{name}, opts...)...)}
	}
}

// serveGate serves GET /stream through g with the X-User header as the
// identity, the suite's Behave as the handler, until t ends.
func serveGate(t testing.TB, g *sselimit.Gate) string {
	return serveHTTP(t, sselimittest.Config{Gate: g, UserKey: true, Recovered: func(any) {}})
}

// serveHTTP is the suite's net/http harness.
func serveHTTP(t testing.TB, cfg sselimittest.Config) string {
	var opts []sselimit.HandlerOption
	if cfg.UserKey {
		opts = append(opts, sselimit.WithKeyFunc(func(r *http.Request) (string, error) {
			return sselimittest.UserKey(r.Header.Get("X-User"))
		}))
	}
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				cfg.Recovered(v)
				panic(http.ErrAbortHandler)
			}
		}()
		sselimittest.Behave(sselimit.StreamFromContext(r.Context()), r.URL.RawQuery)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /stream", sselimit.Middleware(cfg.Gate, opts...)(stream))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
