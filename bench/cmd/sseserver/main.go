// Command sseserver is the server the load tool drives: one framework's
// notification-style event stream, bare or behind sselimit.
//
//	sseserver -framework gin -limited -max-per-user 1
//
// Routes:
//
//	GET /events   a stream: the "hello" event, then idle until it ends.
//	GET /refuse   bare: answers 429 with Retry-After, as a hand-written
//	              limit would; limited: the same route as /events, so once
//	              a user holds their cap, the middleware refuses it.
//
// The limited variant identifies users by the "user" query parameter,
// falling back to the client address when it is absent.
//
// Once listening it prints one JSON line on stdout: the base URL, the URL
// of a control server and its open-file limit. The control server answers
// GET /debug/stats (Go heap and stacks, after a collection with ?gc=1, and
// CPU time used) and serves net/http/pprof under /debug/pprof/. On SIGTERM or SIGINT it shuts down the
// way its variant does, prints a JSON line saying how long each step took,
// and exits: bare with the framework's own shutdown bounded by
// -shutdown-timeout (which, streams never being idle, waits for that
// deadline), limited with gate.Drain first.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sselimit/sselimit/bench/internal/nofile"
	"github.com/sselimit/sselimit/bench/internal/sseload"
	sselimit "github.com/sselimit/sselimit/core"
)

// heartbeat is how often a bare stream writes a comment, the gate's default.
const heartbeat = sselimit.DefaultHeartbeat

// hello is the one event a stream sends, naming its user (the "user"
// query parameter): the handler of a real notification stream reads its
// user too, to subscribe them. Bare handlers frame it by hand, with
// helloFormat.
func hello(user string) sselimit.Event { return sselimit.Event{Name: "hello", Data: user} }

const helloFormat = "event: hello\ndata: %s\n\n"

// refusalMessage is the bare refusal's text; the limited one is the gate's.
const refusalMessage = "too many streams, retry later"

// retryAfter is the bare refusal's Retry-After header.
const retryAfter = "5"

// A server is one framework's HTTP server, serving the routes above.
type server interface {
	Serve(ln net.Listener) error
	// Shutdown stops the server the framework's way, bounded by ctx.
	Shutdown(ctx context.Context) error
}

// A framework builds its servers: bare, and behind a gate identifying
// users by userKey.
type framework struct {
	bare    func() server
	limited func(gate *sselimit.Gate) server
}

var frameworks = map[string]framework{}

func main() {
	log.SetFlags(0)
	log.SetPrefix("sseserver: ")
	names := make([]string, 0, len(frameworks))
	for n := range frameworks {
		names = append(names, n)
	}
	slices.Sort(names)
	var (
		name            = flag.String("framework", "nethttp", "framework: "+strings.Join(names, ", "))
		limited         = flag.Bool("limited", false, "serve the streams behind sselimit")
		addr            = flag.String("addr", "127.0.0.1:0", "listen address")
		maxTotal        = flag.Int("max-total", 0, "limited: global cap (<= 0: none)")
		maxPerUser      = flag.Int("max-per-user", 0, "limited: per-user cap (<= 0: none)")
		shutdownTimeout = flag.Duration("shutdown-timeout", 5*time.Second, "bound on the drain and the framework's shutdown")
		openFiles       = flag.Uint64("open-files", 0, "raise the open-file limit to this (0: to the hard limit)")
		list            = flag.Bool("list", false, "print the frameworks as a JSON array and exit")
		memProfileRate  = flag.Int("mem-profile-rate", runtime.MemProfileRate, "runtime.MemProfileRate: 1 records every allocation in /debug/pprof/heap")
	)
	flag.Parse()
	runtime.MemProfileRate = *memProfileRate
	if *list {
		json.NewEncoder(os.Stdout).Encode(names)
		return
	}
	if err := run(*name, *limited, *addr, *maxTotal, *maxPerUser, *shutdownTimeout, *openFiles); err != nil {
		log.Fatal(err)
	}
}

func run(name string, limited bool, addr string, maxTotal, maxPerUser int, shutdownTimeout time.Duration, openFiles uint64) error {
	fw, ok := frameworks[name]
	if !ok {
		return fmt.Errorf("unknown framework %q", name)
	}
	if shutdownTimeout <= 0 {
		return fmt.Errorf("-shutdown-timeout must be positive, got %v", shutdownTimeout)
	}
	limit, err := nofile.Raise(openFiles)
	if err != nil {
		return err
	}
	var gate *sselimit.Gate
	if limited {
		gate, err = sselimit.NewGate(sselimit.NewSSELimiter(maxTotal, maxPerUser), sselimit.WithEmptyKey(sselimit.FallbackToIP))
		if err != nil {
			return err
		}
	}
	var srv server
	if gate != nil {
		srv = fw.limited(gate)
	} else {
		srv = fw.bare()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ctl, control(gate))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ready, _ := json.Marshal(sseload.Ready{
		URL:       "http://" + ln.Addr().String(),
		Control:   "http://" + ctl.Addr().String(),
		OpenFiles: limit,
	})
	fmt.Println(string(ready))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var stopped sseload.Stopped
	var failed error
	start := time.Now()
	if gate != nil {
		remaining, err := gate.Drain(ctx)
		stopped.Drain, stopped.Remaining = time.Since(start), remaining
		if err != nil {
			failed = fmt.Errorf("drain: %d streams left: %w", remaining, err)
		}
	}
	start = time.Now()
	err = srv.Shutdown(ctx)
	stopped.Shutdown = time.Since(start)
	if err != nil {
		stopped.ShutdownError = err.Error()
		if gate != nil {
			failed = errors.Join(failed, fmt.Errorf("shutdown: %w", err))
		} else {
			// What a bare server gets: its streams are never idle, so the
			// shutdown waits for its deadline and the exit cuts them.
			log.Printf("shutdown: %v; exiting with streams open", err)
		}
	}
	line, _ := json.Marshal(stopped)
	fmt.Println(string(line))
	return failed
}

func control(gate *sselimit.Gate) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/stats", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") == "1" {
			runtime.GC()
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		out := sseload.ServerStats{HeapAlloc: m.HeapAlloc, StackInuse: m.StackInuse, Sys: m.Sys, Goroutines: runtime.NumGoroutine(), Active: -1}
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
			out.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		if gate != nil {
			out.Active = gate.Stats().Active
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	return mux
}

// userKey is the limited variant's identity: the "user" query parameter;
// without it the gate falls back to the client address.
func userKey(r *http.Request) (string, error) { return r.URL.Query().Get("user"), nil }
