package sselimitecho

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	sselimit "github.com/sselimit/sselimit/core"
)

// FromContext returns an IdentifierExtractor reading the value an earlier
// middleware stored with c.Set(key, v): a string as it is, a fmt.Stringer
// through its String method. A missing (nil) value is "", which the gate's
// empty-key policy answers (401 by default, or the client address); a value
// of any other type is an error, answered by ErrorHandler (403 by default).
//
// Echo's JWT middleware stores a *jwt.Token, not a string: write an
// extractor reading the claim you limit by instead (see the README).
func FromContext(key string) middleware.Extractor {
	return func(c echo.Context) (string, error) { return sselimit.KeyFromValue(c.Get(key)) }
}

// clientIP is the client address. Echo's RealIP trusts the X-Forwarded-For
// and X-Real-IP headers of any client when Echo#IPExtractor is not set, so
// the address is then the connection's peer; with an IPExtractor, whose
// trusted proxies the application configured, it is RealIP.
func clientIP(c echo.Context) string {
	if e := c.Echo(); e != nil && e.IPExtractor != nil {
		return c.RealIP()
	}
	return directIP(c.Request())
}

var directIP = echo.ExtractIPDirect()
