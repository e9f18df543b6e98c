// Package demo holds what the three example apps share: the page they
// serve at "/", the JSON they answer at "/stats", and the stream of ticks
// they send at "/events". The framework wiring lives in each app's main.go.
package demo

import (
	"context"
	_ "embed"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// Page is the HTML page served at "/": plain JavaScript, no external
// resources.
//
//go:embed page.html
var Page []byte

// Stats is the JSON answered at "/stats".
type Stats struct {
	Active     int64                      `json:"active"`       // streams holding a slot of the limiter
	MaxTotal   int                        `json:"max_total"`    // the global cap; 0 means none
	MaxPerUser int                        `json:"max_per_user"` // the per-user cap; 0 means none
	Users      map[string]int             `json:"users"`        // open streams by user; "ip:ADDR" for users known by address
	Refused    map[sselimit.Reason]uint64 `json:"refused"`      // refusals so far, by reason
	Draining   bool                       `json:"draining"`
}

// NewStats reads the current counts of lim and gate, which were made with
// the given caps.
func NewStats(lim *sselimit.SSELimiter, gate *sselimit.Gate, maxTotal, maxPerUser int) Stats {
	st := gate.Stats()
	return Stats{
		Active:     lim.ActiveConnections(),
		MaxTotal:   max(maxTotal, 0),
		MaxPerUser: max(maxPerUser, 0),
		Users:      gate.ActiveByKey(),
		Refused:    st.Refused,
		Draining:   gate.Draining(),
	}
}

// Ticks sends a "tick" event at once and then every second, with the
// tick's number as the event ID and the server's time as the data, until
// the stream's context ends: the client left or the server ended the
// stream (the adapter then writes the close frame).
func Ticks(s *sselimit.Stream) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for n := 1; ; n++ {
		ev := sselimit.Event{
			ID:   strconv.Itoa(n),
			Name: "tick",
			Data: `{"time":"` + time.Now().Format(time.TimeOnly) + `"}`,
		}
		if s.Send(ev) != nil {
			return
		}
		select {
		case <-s.Context().Done():
			return
		case <-t.C:
		}
	}
}

// URL is the address to print for a listener: "http://localhost:8080" for
// one listening on every interface, so the line can be opened as it is.
func URL(ln net.Listener) string {
	addr := ln.Addr().String()
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("localhost", port)
		}
	}
	return "http://" + addr
}

// Serve runs serve, the framework's serve loop on ln, until SIGINT or
// SIGTERM. Then it drains gate first — every stream gets its "shutdown"
// close frame and gives its slot back — and only then calls shutdown, the
// framework's graceful shutdown: called alone, that would wait for the
// streams forever, since they are never idle. Both share one deadline.
func Serve(ln net.Listener, gate *sselimit.Gate, serve func() error, shutdown func(context.Context) error) {
	served := make(chan error, 1)
	go func() { served <- serve() }()
	log.Printf("listening on %s", URL(ln))

	stopped, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	select {
	case err := <-served:
		log.Fatal(err)
	case <-stopped.Done():
	}
	stop() // a second signal stops the process at once

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	log.Printf("draining %d streams", gate.Stats().Active)
	if n, err := gate.Drain(ctx); err != nil {
		log.Printf("drain: %d streams still open: %v", n, err)
	} else {
		log.Print("drained")
	}
	if err := shutdown(ctx); err != nil {
		log.Fatal(err)
	}
}
