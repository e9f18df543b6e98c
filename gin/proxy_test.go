package sselimitgin_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

// keyOf opens a stream with header name set to value (when name is not
// "") and returns the key its hello event names, or the refusal's status.
func keyOf(t *testing.T, c *sselimittest.Client, name, value string) (string, int) {
	t.Helper()
	h := make(http.Header)
	if name != "" {
		h.Set(name, value)
	}
	conn, resp, _, err := c.OpenHeader("/events", h)
	if err != nil {
		t.Fatal(err)
	}
	if conn == nil {
		return "", resp.StatusCode
	}
	ev, err := conn.Next()
	if err != nil {
		t.Fatal(err)
	}
	return ev.Data, http.StatusOK
}

// TestForgedHeadersDoNotForgeTheDefaultIdentity runs engines whose Gin
// settings believe a header from the test's peer (127.0.0.1) only because
// Gin trusts every peer: a forged header must not be a fresh quota.
func TestForgedHeadersDoNotForgeTheDefaultIdentity(t *testing.T) {
	for _, tc := range []struct {
		name         string
		setup        func(*gin.Engine) error
		header, want string // want: the key of the forged request; "" for 429
	}{
		{"gin.New", func(*gin.Engine) error { return nil }, "X-Forwarded-For", ""},
		{"gin.New X-Real-IP", func(*gin.Engine) error { return nil }, "X-Real-Ip", ""},
		{"every address trusted explicitly", func(e *gin.Engine) error {
			return e.SetTrustedProxies([]string{"0.0.0.0/0", "::/0"})
		}, "X-Forwarded-For", ""},
		{"other proxies trusted", func(e *gin.Engine) error {
			return e.SetTrustedProxies([]string{"10.0.0.0/8", "fd00::/8"})
		}, "X-Forwarded-For", ""},
		{"custom header, every peer trusted", func(e *gin.Engine) error {
			e.RemoteIPHeaders = []string{"X-Client-Ip"}
			return nil
		}, "X-Client-Ip", ""},
		{"TrustedPlatform without WithClientIP", func(e *gin.Engine) error {
			e.TrustedPlatform = gin.PlatformCloudflare
			return nil
		}, "Cf-Connecting-Ip", ""},
		{"trusted proxy", func(e *gin.Engine) error {
			return e.SetTrustedProxies([]string{"127.0.0.1"})
		}, "X-Forwarded-For", "ip:203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 100, 1)
			if err := tc.setup(f.engine); err != nil {
				t.Fatal(err)
			}
			f.engine.GET("/events", sselimitgin.New(f.Gate), hold)
			c := f.serve(nil)
			if key, status := keyOf(t, c, "", ""); key != "ip:127.0.0.1" {
				t.Fatalf("plain request: got key %q status %d, want ip:127.0.0.1", key, status)
			}
			key, status := keyOf(t, c, tc.header, "203.0.113.7")
			switch {
			case tc.want == "" && status != http.StatusTooManyRequests:
				t.Errorf("%s forged: got key %q status %d, want 429 (the peer's quota, full)", tc.header, key, status)
			case tc.want != "" && key != tc.want:
				t.Errorf("%s from a trusted proxy: got key %q status %d, want %s", tc.header, key, status, tc.want)
			}
		})
	}
}

// TestWithClientIPBelievesTrustedPlatform: behind a platform the app names
// with TrustedPlatform, WithClientIP((*gin.Context).ClientIP) opts in.
func TestWithClientIPBelievesTrustedPlatform(t *testing.T) {
	f := newFixture(t, 100, 1)
	f.engine.TrustedPlatform = gin.PlatformCloudflare
	f.engine.GET("/events", sselimitgin.New(f.Gate, sselimitgin.WithClientIP((*gin.Context).ClientIP)), hold)
	c := f.serve(nil)
	for _, ip := range []string{"203.0.113.7", "203.0.113.8"} {
		if key, status := keyOf(t, c, "Cf-Connecting-Ip", ip); key != sselimit.DisplayKey(sselimit.IPKey(ip)) {
			t.Errorf("CF-Connecting-IP %s: got key %q status %d, want ip:%s", ip, key, status, ip)
		}
	}
	f.Active(2)
}
