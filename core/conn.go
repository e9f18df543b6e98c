package sselimit

import (
	"context"
	"net"
	"syscall"
)

// ConnContext returns ctx carrying c; set it as the server's
// http.Server.ConnContext, so that streams can reach their connection:
//
//	srv := &http.Server{Addr: ":8080", Handler: mux, ConnContext: sselimit.ConnContext}
//
// A server that has a ConnContext hook of its own calls both:
//
//	ConnContext: func(ctx context.Context, c net.Conn) context.Context {
//		return sselimit.ConnContext(ownHook(ctx, c), c)
//	},
//
// A client that vanishes without a word (a laptop's lid closed, a mobile
// network that dropped its mapping) sends no reset and acknowledges
// nothing: writes to it keep succeeding into the kernel's buffers, and the
// kernel retransmits for about 15 minutes before it gives up, all that
// time holding the client's slot. When a stream starts on a connection
// that ConnContext carries, the gate bounds how long the connection may
// hold data the client has not acknowledged to one heartbeat interval
// plus the write timeout (on Linux, with the socket option
// TCP_USER_TIMEOUT; elsewhere it does nothing). The next heartbeat then
// goes unacknowledged, the kernel drops the connection, the server's read
// of it fails and the stream's context ends: the slot is free within
// about two heartbeat intervals plus the write timeout.
//
// On HTTP/1.x a stream's connection closes with it. On HTTP/2 other
// requests share the connection, and the bound applies to them too, for
// the rest of the connection's life: a client that acknowledges nothing
// for that long is gone for all of them.
//
// Two cases remain. A client that is alive but stops reading still
// acknowledges what it receives: it holds its slot until its buffers fill
// and a write blocks past the write timeout, or the kernel gives up
// probing its closed receive window after the same bound, or the maximum
// stream lifetime ends the stream. Behind a proxy that terminates TCP the
// server's connection is to the proxy, which stays: only the proxy's own
// timeouts or the maximum lifetime free a vanished client's slot there, so
// set WithMaxLifetime behind a proxy.
//
// Without ConnContext, or on a connection that is not TCP underneath (the
// gate unwraps crypto/tls connections and wrappers with a NetConn method),
// streams run as before and a vanished client is found only when the
// kernel gives up.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

type connKey struct{}

// boundUnacknowledged bounds how long the stream's connection may hold
// unacknowledged data, when its transport or its context has the
// connection; s.mu is held.
func (s *Stream) boundUnacknowledged() {
	c, _ := s.ctx.Value(connKey{}).(net.Conn)
	if t, ok := s.t.(interface{ NetConn() net.Conn }); ok {
		c = t.NetConn()
	}
	if tc := tcpUnder(c); tc != nil {
		_ = setUserTimeout(tc, s.gate.cfg.heartbeat+s.gate.cfg.writeTimeout) // best effort: the stream runs without
	}
}

// tcpUnder returns the TCP socket under c: c itself, or the connection
// that wrappers such as crypto/tls expose through NetConn; nil if none.
func tcpUnder(c net.Conn) syscall.Conn {
	for range 8 { // wrappers of wrappers, but never a cycle
		if c == nil {
			return nil
		}
		if sc, ok := c.(syscall.Conn); ok {
			if _, tcp := c.LocalAddr().(*net.TCPAddr); tcp {
				return sc
			}
			return nil
		}
		w, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = w.NetConn()
	}
	return nil
}
