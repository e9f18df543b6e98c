// Package sselimitgin caps concurrent Server-Sent-Events streams on Gin, in
// total and per user, and ends every stream cleanly when the server drains.
//
// New returns a gin.HandlerFunc that admits each request through a
// sselimit.Gate; mount it per route, per group or globally:
//
//	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(1000, 3))
//	r.GET("/events", sselimitgin.New(gate), func(c *gin.Context) {
//		c.Stream(func(w io.Writer) bool {
//			select {
//			case msg := <-updates:
//				c.SSEvent("update", msg)
//				return true
//			case <-c.Request.Context().Done():
//				return false
//			}
//		})
//	})
//
// The identity is the client address unless WithKeyFunc says otherwise:
// c.ClientIP() when the engine trusts specific proxies
// (Engine.SetTrustedProxies), else the connection's peer address, since
// Gin's default believes forwarding headers from every client (see
// WithClientIP). KeyFromContext reads what an auth middleware stored with
// c.Set; WithUserCap gives a request a per-user cap of its own, such as
// its user's plan's. A refused request is answered with Retry-After and
// c.AbortWithStatusJSON (429 for a user's cap, 503 for the global cap and
// while draining), and the chain stops.
//
// An admitted request's handlers see a committed 200 text/event-stream
// response. c.Writer is routed through the stream, so c.Stream, c.SSEvent
// and direct writes with c.Writer.Flush() share the stream's lock, write
// deadline and framing with the heartbeat and the close frame; Stream(c)
// gives the stream itself, for Send. c.Request.Context() and
// c.Writer.CloseNotify() end with the stream. The slot is released when
// the handlers return or panic.
//
// Serve with sselimit.ConnContext as the server's ConnContext (r.Run
// makes a server without it):
//
//	srv := &http.Server{Addr: ":8080", Handler: r, ConnContext: sselimit.ConnContext}
//
// A client that vanishes without a word (no reset, nothing acknowledged)
// then frees its slot within about two heartbeat intervals plus the write
// timeout; without it, streams work the same but such a client holds its
// slot until the kernel gives up on the connection, about 15 minutes on
// Linux. sselimit.ConnContext says what remains: a client that is alive
// but stops reading, and clients behind a proxy.
//
// Drain belongs before the server's own shutdown: http.Server.Shutdown
// waits for idle connections, which streams never are.
//
//	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
//	defer cancel()
//	gate.Drain(ctx)   // every stream gets its close frame, slots are released
//	srv.Shutdown(ctx) // then the server stops
package sselimitgin
