// Package sselimit caps concurrent Server-Sent-Events streams, in total and
// per user, and ends every stream cleanly when a server drains.
//
// It has two layers.
//
// [SSELimiter] only counts: a global cap and a per-user cap, holding
// nothing for a user without an active stream. [SSELimiter.Acquire]
// returns a release function, or [ErrTooManyConnectionsForUser] or
// [ErrTooManyConnections]; a refusal holds nothing.
//
// A [Gate] runs streams on top of any [Limiter]: it resolves identities,
// answers refusals (by default 429 for a user's cap, 503 for the global cap
// and while draining, each with Retry-After), frames events per the WHATWG
// event-stream format, writes a heartbeat comment to a stream that has been
// silent for an interval, bounds every write with a deadline, and ends the
// streams it stops (drain, eviction, max lifetime, lease loss) with a close
// frame naming the reason. One goroutine per gate, running only while
// streams are open, schedules every stream's heartbeats and lifetime.
//
// Graceful shutdown is the gate's job, not the limiter's: [Gate.Drain]
// stops admitting, ends every stream with a "shutdown" close frame whose
// retry delays are spread over a window, and returns once every slot is
// released or its context ends.
//
// [Middleware] wires a Gate into net/http; the gin, echo and fiber modules
// wire it into those frameworks, and the sselimittest package holds the
// behaviour suite every adapter passes.
package sselimit
