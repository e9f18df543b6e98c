package sselimitgin

import (
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// clientIP is the default identity's address. Gin's c.ClientIP() believes
// forwarding headers from every peer unless the app narrowed its trusted
// proxies, and Gin offers no way to read its settings, so the answer is
// tested instead: a header-derived address is kept only if Gin would not
// give it to a client connecting from anywhere (the unspecified address of
// either family); otherwise the connection's peer address is used. On a
// Unix socket, whose peers are local processes, Gin's answer stands.
func clientIP(c *gin.Context) string {
	ip := c.ClientIP()
	peer := c.RemoteIP()
	switch {
	case ip == peer:
		return ip
	case peer == "" && onUnixSocket(c.Request):
		return ip
	case believedFromAnyPeer(c):
		if p := net.ParseIP(peer); p != nil {
			return p.String() // the form c.ClientIP() gives a peer address
		}
		return peer
	}
	return ip
}

// anyPeer are the remote addresses of the probes: Gin's own test of a
// trust-everyone proxy list, one per address family.
var anyPeer = [...]struct{ addr, ip string }{{"0.0.0.0:0", "0.0.0.0"}, {"[::]:0", "::"}}

// believedFromAnyPeer reports whether Gin resolves c's request headers to
// a client address even for a peer it knows nothing about: its default
// trust in every proxy, TrustedPlatform, or the AppEngine flag. c.Request
// is swapped for a probe carrying the same headers, then put back; Gin
// contexts belong to one goroutine (other goroutines work on c.Copy()).
func believedFromAnyPeer(c *gin.Context) bool {
	req := c.Request
	defer func() { c.Request = req }()
	for _, p := range anyPeer {
		c.Request = &http.Request{RemoteAddr: p.addr, Header: req.Header}
		if c.ClientIP() != p.ip {
			return true
		}
	}
	return false
}

func onUnixSocket(r *http.Request) bool {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return ok && strings.HasPrefix(addr.Network(), "unix")
}
