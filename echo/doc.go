// Package sselimitecho caps concurrent Server-Sent-Events streams of an Echo
// (v4) server, in total and per user, and ends every stream cleanly when
// the server drains. It wires an sselimit.Gate into Echo the way Echo's own
// RateLimiter middleware is configured:
//
//	lim := sselimit.NewSSELimiter(1000, 3) // 1000 streams in all, 3 per user
//	gate, err := sselimit.NewGate(lim)
//	...
//	e.GET("/events", handler, sselimitecho.Middleware(gate))
//
// or, with options, MiddlewareWithConfig(Config{Gate: gate, ...}).
//
// Identity: by default a request is limited by its client address: RealIP
// when Echo#IPExtractor is set, else the connection's peer address (Echo's
// fallback without an IPExtractor trusts headers any client can forge).
// FromContext limits by a value an auth middleware stored with c.Set;
// IdentifierExtractor takes any function. Config.UserCap gives a request
// a per-user cap of its own, such as its user's plan's.
//
// Refusals are returned as *echo.HTTPError, with Retry-After set, so Echo's
// HTTPErrorHandler renders them: 429 when the user's cap is full, 503 when
// the global cap is full or the gate drains; 401 when the extractor finds
// no identity (""), 403 when it fails (as Echo's RateLimiter answers, with
// middleware.ErrExtractorError), 400 for a key the gate cannot use.
//
// Streaming: the handler of an admitted request finds the response
// committed (200, text/event-stream) and sends through Stream(c), or writes
// c.Response() and calls c.Response().Flush() as Echo's SSE cookbook does.
// Either way it waits on c.Request().Context(), which ends on client
// disconnect, a failed or timed-out write, drain, eviction, maximum
// lifetime and lease loss. Echo's Response.Flush swallows write errors;
// the stream does not, so the context is what tells a handler to stop.
//
// Vanished clients: set sselimit.ConnContext as the server's ConnContext
// (e.Server.ConnContext = sselimit.ConnContext, before e.Start). A client
// that vanishes without a word (no reset, nothing acknowledged) then frees
// its slot within about two heartbeat intervals plus the write timeout;
// without it, streams work the same but such a client holds its slot until
// the kernel gives up on the connection, about 15 minutes on Linux.
// sselimit.ConnContext says what remains: a client that is alive but stops
// reading, and clients behind a proxy.
//
// Drain: on shutdown call gate.Drain before e.Shutdown. Shutdown alone
// waits for connections to become idle, which streams never are, and does
// not cancel request contexts. Drain ends every stream with a close frame
// and waits until every slot is released.
package sselimitecho
