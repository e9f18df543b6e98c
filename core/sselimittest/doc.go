// Package sselimittest holds the behaviour suite every sselimit adapter
// passes: given a way to start a server of some framework with the adapter
// on 127.0.0.1, Run checks every contract of the design over real HTTP —
// caps and status codes, release on return, panic, disconnect and dead
// clients, drain with a thousand streams, eviction, soft refusal, maximum
// lifetime, dry run, lease loss, limiter failure, bad identities, forged
// forwarding headers, trusted proxies and per-user caps by request.
//
// An adapter's test provides a Harness; its server routes GET /stream
// through the adapter's middleware to Behave. NetHTTP is the net/http
// adapter's; the Gin, Echo and Fiber modules export theirs (packages
// sselimitgintest, sselimitechotest, sselimitfibertest), so that a limiter
// backend from another module runs the suite on every adapter by setting
// the harness's Backend.
package sselimittest
