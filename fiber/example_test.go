package sselimitfiber_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
)

// A Fiber app allowing 1000 streams in total and 3 per client address,
// and its graceful shutdown: drain the gate first, so every stream gets
// its close frame and ends, then shut Fiber down, which waits for open
// connections.
func Example() {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(1000, 3))
	if err != nil {
		panic(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/events", sselimitfiber.New(sselimitfiber.Config{Gate: gate}), func(c *fiber.Ctx) error {
		return sselimitfiber.Stream(c, func(s *sselimit.Stream) {
			// Runs once the handler has returned: use s, never c.
			if s.Send(sselimit.Event{Name: "hello", Data: s.Key()}) != nil {
				return
			}
			<-s.Context().Done() // the client went, or the server ends the stream
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go app.Listener(ln)

	resp, err := http.Get("http://" + ln.Addr().String() + "/events")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	printEvent(events)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := gate.Drain(ctx); err != nil {
		fmt.Println("drain:", err)
	}
	if err := app.ShutdownWithContext(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
	printEvent(events)
	// Output:
	// 200 OK text/event-stream
	// hello: ip:127.0.0.1
	// close: shutdown
}

// printEvent prints the next event's name and data (for a close frame, its
// reason: the retry delay is random).
func printEvent(r *bufio.Reader) {
	var name, data string
	for {
		line, err := r.ReadString('\n')
		if err != nil || line == "\n" {
			break
		}
		field, value, _ := strings.Cut(strings.TrimSuffix(line, "\n"), ": ")
		switch field {
		case "event":
			name = value
		case "data":
			data = value
		}
	}
	if name == "close" {
		var frame struct{ Reason string }
		json.Unmarshal([]byte(data), &frame)
		data = frame.Reason
	}
	fmt.Printf("%s: %s\n", name, data)
}
