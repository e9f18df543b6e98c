package sselimitfiber

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// serveOnce serves GET / with the header X-Real-IP (when realIP is set)
// from peer through an app made with config, whose route runs handle.
func serveOnce(t *testing.T, config fiber.Config, peer net.IP, realIP string, handle func(c *fiber.Ctx)) {
	t.Helper()
	config.DisableStartupMessage = true
	app := fiber.New(config)
	app.Get("/", func(c *fiber.Ctx) error {
		handle(c)
		return nil
	})
	var req fasthttp.Request
	req.SetRequestURI("/")
	if realIP != "" {
		req.Header.Set("X-Real-IP", realIP)
	}
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: peer, Port: 40000}, nil)
	app.Handler()(&ctx)
	if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
		t.Fatalf("status %d, want 200", got)
	}
}

func TestClientIPIsWhatFiberResolves(t *testing.T) {
	proxied := fiber.Config{ProxyHeader: "X-Real-IP"}
	for _, tc := range []struct {
		name   string
		config fiber.Config
		peer   net.IP
		realIP string
		want   string
	}{
		{"IPv4 peer", fiber.Config{}, net.IPv4(192, 0, 2, 10), "", "192.0.2.10"},
		{"4-byte IPv4 peer", fiber.Config{}, net.IP{192, 0, 2, 11}, "", "192.0.2.11"},
		{"IPv6 peer", fiber.Config{}, net.ParseIP("2001:db8::1"), "", "2001:db8::1"},
		{"header without ProxyHeader", fiber.Config{}, net.IPv4(10, 0, 0, 1), "198.51.100.7", "10.0.0.1"},
		{"proxy header", proxied, net.IPv4(10, 0, 0, 1), "198.51.100.7", "198.51.100.7"},
		{"proxy header missing", proxied, net.IPv4(10, 0, 0, 1), "", "10.0.0.1"},
		{"untrusted proxy", fiber.Config{ProxyHeader: "X-Real-IP", EnableTrustedProxyCheck: true, TrustedProxies: []string{"10.0.0.2"}}, net.IPv4(10, 0, 0, 1), "198.51.100.7", "10.0.0.1"},
		{"trusted proxy", fiber.Config{ProxyHeader: "X-Real-IP", EnableTrustedProxyCheck: true, TrustedProxies: []string{"10.0.0.1"}}, net.IPv4(10, 0, 0, 1), "198.51.100.7", "198.51.100.7"},
		{"validated proxy header, invalid", fiber.Config{ProxyHeader: "X-Real-IP", EnableIPValidation: true}, net.IPv4(10, 0, 0, 1), "not-an-ip", "10.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var proxy proxyHeader
			serveOnce(t, tc.config, tc.peer, tc.realIP, func(c *fiber.Ctx) {
				got := proxy.clientIP(c)
				fibers := c.IP()
				if fibers == "" {
					fibers = c.Context().RemoteIP().String()
				}
				if got != tc.want || fibers != tc.want {
					t.Errorf("clientIP %q, Fiber's %q; want %q", got, fibers, tc.want)
				}
				// Fiber's trusted-proxy check and IP validation allocate
				// by themselves.
				fiberAllocates := tc.config.EnableTrustedProxyCheck || tc.config.EnableIPValidation
				if allocs := testing.AllocsPerRun(100, func() { proxy.clientIP(c) }); allocs != 0 && !fiberAllocates {
					t.Errorf("clientIP of an address seen before allocates %v times, want 0", allocs)
				}
				// Fiber's c.IP() is a view of the request's header,
				// which fasthttp reuses for the connection's next
				// request; the address the middleware keeps is not.
				c.Request().Header.Set("X-Real-IP", "203.0.113.99")
				if got != tc.want {
					t.Errorf("the address changed with the request's buffer: %q, want %q", got, tc.want)
				}
			})
		})
	}
}
