package demo

import (
	"context"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

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

// Listen listens on a.Addr.
func (a *App) Listen() net.Listener {
	ln, err := net.Listen("tcp", a.Addr)
	if err != nil {
		log.Fatal(err)
	}
	return ln
}

// Serve runs serve, the framework's serve loop on ln, until SIGINT or
// SIGTERM. Then it drains the gate first — every stream gets its
// "shutdown" close frame and gives its slot back — and only then calls
// shutdown, the framework's graceful shutdown: called alone, that would
// wait for the streams forever, since they are never idle. Both share one
// deadline.
func (a *App) Serve(ln net.Listener, serve func() error, shutdown func(context.Context) error) {
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
	log.Printf("draining %d streams", a.Gate.Stats().Active)
	if n, err := a.Gate.Drain(ctx); err != nil {
		log.Printf("drain: %d streams still open: %v", n, err)
	} else {
		log.Print("drained")
	}
	err := shutdown(ctx)
	a.close()
	if err != nil {
		log.Fatal(err)
	}
}
