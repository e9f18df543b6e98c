// Package sselimitfiber caps concurrent Server-Sent-Events streams on Fiber
// v2 through a [sselimit.Gate]: in total and per user, with the close frame
// and graceful drain every sselimit adapter shares.
//
//	app.Get("/events", sselimitfiber.New(sselimitfiber.Config{Gate: gate}),
//		func(c *fiber.Ctx) error {
//			return sselimitfiber.Stream(c, func(s *sselimit.Stream) {
//				// send with s.Send until s.Context() ends
//			})
//		})
//
// The Config mirrors Fiber's middleware/limiter: Next, KeyGenerator,
// LimitReached, plus UserCap for a per-user cap of the request's own (a
// plan's) and ErrorHandler for identity and limiter failures. New() with
// no config, or a zero Config, never panics: it limits by client address
// through DefaultGate.
//
// # Why a stream helper
//
// On fasthttp a streamed body is written after the handler and every
// middleware have returned: fasthttp sends the response only then, reading
// the body stream that SetBodyStreamWriter registered. A middleware that
// releases its slot after c.Next() therefore limits nothing. Here the
// middleware admits the request and the handler calls [Stream], which
// hands the slot to the response's body stream: it is held until the
// stream function returns or fasthttp closes the body stream (the response
// ended, a write failed, the body was replaced, or it was never sent), and
// released there exactly once. Nothing that runs after the handler returns
// touches the *fiber.Ctx or the fasthttp.RequestCtx, which are pooled.
//
// A handler that sets a body stream of its own behind the middleware
// (SetBodyStreamWriter, SetBodyStream) gets a 500 with
// [ErrForeignBodyStream] through the app's ErrorHandler: it fails loudly
// rather than stream without the slot.
//
// # Finding gone clients
//
// fasthttp reports a gone client only as a failed write, and
// RequestCtx.Done closes on server shutdown only. So while a stream runs
// on a TCP, Unix or TLS connection (or a wrapper with a NetConn method),
// the adapter sets the gate's write deadline on the connection, where
// fasthttp blocks on a client that stops reading, and on Linux watches
// the connection (one epoll set for every stream, no goroutine or read of
// its own) to end the stream as soon as the client closes or resets it;
// elsewhere that is found by a failed write, a heartbeat's at the latest.
// A client that vanishes without a word (no reset, nothing acknowledged)
// is found with no step from the app: on TCP the gate bounds how long the
// connection may hold unacknowledged data (TCP_USER_TIMEOUT on Linux), so
// the slot is free within about two heartbeat intervals plus the write
// timeout. sselimit.ConnContext, which the net/http adapters need for the
// same, says what remains: a client that is alive but stops reading, and
// clients behind a proxy.
//
// # Shutdown
//
// app.ShutdownWithContext waits for open connections, and streams stay
// open: drain the gate first, so every stream gets its close frame and
// ends, then shut Fiber down (see the package example). Fiber's
// Hooks().OnShutdown runs after the server has stopped, too late to drain.
//
// Fiber's WriteTimeout must stay 0 (its default): fasthttp arms it once,
// as a response starts, so on a connection the adapter cannot share it
// cuts every stream off after that long (on TCP, Unix and TLS connections
// the gate's write timeout replaces it while a stream runs). ETag and
// cache middleware (and the app's ETag setting) read the whole body before
// sending it, so a stream reaches its client only once it ends: keep them
// off stream routes.
package sselimitfiber
