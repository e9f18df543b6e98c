// Package sselimittest holds the behaviour suite every sselimit adapter
// passes: given a way to start a server of some framework with the adapter
// on 127.0.0.1, Run checks every contract of the design over real HTTP —
// caps and status codes, release on return, panic, disconnect and dead
// clients, drain with a thousand streams, eviction, soft refusal, maximum
// lifetime, dry run, lease loss, limiter failure and bad identities.
//
// An adapter's test provides a Harness; its server routes GET /stream
// through the adapter's middleware to Behave.
package sselimittest
