// Command sseload opens many concurrent event streams against a server on
// the loopback interface, holds them, floods a route with requests that are
// refused, and measures the server's drain.
//
// It either starts the server itself, from the command line after "--"
// (which must print a JSON ready line first, as sseserver does), and then
// also reports the server's memory and drain; or targets a running server
// with -url.
//
//	sseload -streams 10000 -drain -- sseserver -framework gin -limited
//	sseload -streams 0 -flood 100000 -flood-user flood -- sseserver -limited -max-per-user 1
//
// Each stream is its own TCP connection, so the tool raises its open-file
// limit to what it needs (Go already raises the soft limit to the hard one
// at startup); it fails with a clear error when the hard limit is too low.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"
	"time"

	"github.com/sselimit/sselimit/bench/internal/sseload"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("sseload: ")
	var c sseload.Config
	flag.StringVar(&c.URL, "url", "", "base URL of a running server (instead of a server command after --)")
	flag.IntVar(&c.Streams, "streams", 100, "streams to open and hold")
	flag.StringVar(&c.Path, "path", "/events", "route of the streams")
	flag.IntVar(&c.Users, "users", 0, "distinct users among the streams (0: one per stream)")
	flag.IntVar(&c.OpenConcurrency, "open-concurrency", 128, "streams being opened at once")
	flag.DurationVar(&c.Hold, "hold", time.Second, "how long to hold the streams before reading the server's memory")
	flag.IntVar(&c.FloodRequests, "flood", 0, "requests of the refusal flood (0: none)")
	flag.StringVar(&c.FloodPath, "flood-path", "/refuse", "route of the flood")
	flag.IntVar(&c.FloodConns, "flood-conns", 16, "keep-alive connections of the flood")
	flag.StringVar(&c.FloodUser, "flood-user", "", "user of the flood, who first holds one stream of their own (empty: no user, no priming)")
	flag.BoolVar(&c.Drain, "drain", false, "send SIGTERM to the server at the end and measure its drain")
	flag.DurationVar(&c.Timeout, "timeout", 2*time.Minute, "bound on the whole run")
	asJSON := flag.Bool("json", false, "print the report as JSON")
	flag.Parse()
	c.Server = flag.Args()
	c.Logs = os.Stderr

	r, err := sseload.Run(c)
	if err != nil {
		log.Fatal(err)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			log.Fatal(err)
		}
		return
	}
	r.WriteText(os.Stdout)
}
