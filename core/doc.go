// Package sselimit caps concurrent Server-Sent-Events streams, in total and
// per user, and ends every stream cleanly when a server drains.
//
// It has two layers.
//
// [SSELimiter] only counts. Its global cap is an atomic counter (SSE-01);
// its per-user cap is kept in a [sync.Map] keyed by user, holding nothing
// for a user without an active stream (SSE-02). [SSELimiter.Acquire]
// returns a release function, or [ErrTooManyConnectionsForUser] or
// [ErrTooManyConnections]; the user's cap is checked first and a refusal
// holds nothing.
//
// A [Gate] runs streams on top of any [Limiter]: it resolves identities,
// answers refusals (429 for a user's cap, 503 for the global cap and while
// draining, each with Retry-After), frames events per the WHATWG
// event-stream format, sends heartbeats, bounds every write with a
// deadline, and ends streams with a close frame naming the reason. Graceful
// shutdown is the stream layer's job, not the limiter's (SSE-03):
// [Gate.Drain] stops admitting, cancels every stream's context, writes each
// its close frame with a spread-out retry delay, and waits until every slot
// is released.
//
// [Middleware] wires a Gate into net/http; the gin, echo and fiber modules
// wire it into those frameworks, and the sselimittest package holds the
// behaviour suite every adapter passes.
package sselimit
