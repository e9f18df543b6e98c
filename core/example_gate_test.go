package sselimit_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// A net/http server whose /events streams are limited to 100 in total and
// 2 per client address, drained cleanly on shutdown.
func Example() {
	lim := sselimit.NewSSELimiter(100, 2)
	gate, err := sselimit.NewGate(lim, sselimit.WithHeartbeat(15*time.Second))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /events", sselimit.Middleware(gate)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sselimit.StreamFromContext(r.Context())
		s.Send(sselimit.Event{Name: "hello", Data: "welcome"})
		<-s.Context().Done() // client gone, or the server ended the stream
	})))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)

	resp, err := http.Get("http://" + ln.Addr().String() + "/events")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body := bufio.NewReader(resp.Body)
	readEvent := func() string {
		var lines []string
		for {
			line, _ := body.ReadString('\n')
			if line = strings.TrimSuffix(line, "\n"); line == "" {
				return strings.Join(lines, " | ")
			}
			lines = append(lines, line)
		}
	}
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Println(readEvent())
	fmt.Println("open:", lim.ActiveConnections())

	// Shutdown: Drain ends every stream with a close frame and waits for
	// the slots; then Shutdown finds no busy connection left.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	remaining, err := gate.Drain(ctx)
	fmt.Println("drained:", remaining, err)
	srv.Shutdown(ctx)
	closeFrame := readEvent()
	fmt.Println(strings.Contains(closeFrame, `event: close | data: {"reason":"shutdown","retry_ms":`))
	fmt.Println("open:", lim.ActiveConnections())
	// Output:
	// 200 OK text/event-stream
	// event: hello | data: welcome
	// open: 1
	// drained: 0 <nil>
	// true
	// open: 0
}
