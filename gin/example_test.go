package sselimitgin_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	sselimit "github.com/sselimit/sselimit/core"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

// A route limited to 100 streams in total and 2 per client address, and
// the shutdown that drains it: Drain first, then the server's Shutdown.
func Example() {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(100, 2))
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/events", sselimitgin.New(gate), func(c *gin.Context) {
		c.SSEvent("hello", "world")
		c.Writer.Flush()
		<-c.Request.Context().Done() // the client left, or the server drains
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: r, ConnContext: sselimit.ConnContext}
	go srv.Serve(ln)

	resp, err := http.Get("http://" + ln.Addr().String() + "/events")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body := bufio.NewReader(resp.Body)
	for range 2 {
		line, _ := body.ReadString('\n')
		fmt.Print(line)
	}

	// On SIGTERM: end every stream with a close frame, then stop the server.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if remaining, err := gate.Drain(ctx); err != nil {
		log.Printf("%d streams still open: %v", remaining, err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		log.Print(err)
	}

	// The client got a close frame telling it when to come back.
	rest, _ := io.ReadAll(body)
	for line := range strings.Lines(string(rest)) {
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var frame struct{ Reason string }
			json.Unmarshal([]byte(data), &frame)
			fmt.Println("closed:", frame.Reason)
		}
	}
	// Output:
	// event:hello
	// data:world
	// closed: shutdown
}
