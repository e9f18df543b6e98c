package sselimitfiber

import (
	"encoding/binary"
	"hash/maphash"
	"net"
	"strings"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the client address as c.IP() resolves it: the app's
// ProxyHeader when it set one (with EnableTrustedProxyCheck, from its
// TrustedProxies only), else the peer address; a missing proxy header
// gives the peer address. The string is the middleware's own: c.IP()
// gives a proxy header as a view of the request's buffer, which fasthttp
// reuses, and the peer address as a new string each time.
func (p *proxyHeader) clientIP(c *fiber.Ctx) string {
	if p.of(c.App()) != "" && c.IsProxyTrusted() {
		if ip := c.IP(); ip != "" {
			return recentAddrs.internString(ip)
		}
	}
	return recentPeers.text(c.Context().RemoteIP())
}

// proxyHeader is the ProxyHeader of the app a middleware last served,
// which Fiber fixes when it makes the app: reading it through
// App.Config would copy the whole configuration on every request.
type proxyHeader struct {
	last atomic.Pointer[appProxyHeader]
}

type appProxyHeader struct {
	app    *fiber.App
	header string
}

func (p *proxyHeader) of(app *fiber.App) string {
	if last := p.last.Load(); last != nil && last.app == app {
		return last.header
	}
	last := &appProxyHeader{app: app, header: app.Config().ProxyHeader}
	p.last.Store(last)
	return last.header
}

// recentPeers and recentAddrs keep the strings of the client addresses
// seen lately, so that an address seen before, as the addresses of a
// client that reconnects over and over usually are, costs no allocation:
// recentPeers by the peer's IP, recentAddrs by the text of a proxy
// header. Each slot holds the latest address that hashes to it.
var (
	recentPeers peerTable
	recentAddrs = addrTable{seed: maphash.MakeSeed()}
)

type peerTable [1024]atomic.Pointer[peerText]

type peerText struct {
	ip   [net.IPv6len]byte // IPv4 addresses in their IPv6 form
	text string
}

// text is ip.String(), which is how c.IP() gives the peer address.
func (t *peerTable) text(ip net.IP) string {
	var key [net.IPv6len]byte
	switch len(ip) {
	case net.IPv4len:
		key[10], key[11] = 0xff, 0xff
		copy(key[12:], ip)
	case net.IPv6len:
		key = [net.IPv6len]byte(ip)
	default:
		return ip.String()
	}
	h := binary.LittleEndian.Uint64(key[:8])*0x9e3779b97f4a7c15 ^ binary.LittleEndian.Uint64(key[8:])*0xc2b2ae3d27d4eb4f
	slot := &t[(h>>32)%uint64(len(t))]
	if p := slot.Load(); p != nil && p.ip == key {
		return p.text
	}
	p := &peerText{ip: key, text: ip.String()}
	slot.Store(p)
	return p.text
}

// maxAddrLen is the longest proxy header kept: an IPv6 address with a
// zone fits.
const maxAddrLen = 64

type addrTable struct {
	seed  maphash.Seed
	slots [1024]atomic.Pointer[string]
}

// internString returns an owned copy of text, which may be a view of a
// reused buffer: the one kept for it, or a new one, kept from then on.
func (t *addrTable) internString(text string) string {
	if len(text) > maxAddrLen {
		return strings.Clone(text)
	}
	slot := &t.slots[maphash.String(t.seed, text)%uint64(len(t.slots))]
	if s := slot.Load(); s != nil && *s == text {
		return *s
	}
	s := strings.Clone(text)
	slot.Store(&s)
	return s
}
