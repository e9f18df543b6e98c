// Package demo holds what the three example apps share: their flags, the
// limiter and gate those flags describe, the page served at "/", the JSON
// answered at "/stats", the stream of ticks sent at "/events", and the
// drain-then-shutdown routine run on SIGINT or SIGTERM. The framework
// wiring lives in each app's main.go.
package demo
