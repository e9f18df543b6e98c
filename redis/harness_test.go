package sselimitredis_test

import (
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
)

// serveGate serves GET /stream through g with the X-User header as the
// identity, the suite's Behave as the handler, until t ends.
func serveGate(t *testing.T, g *sselimit.Gate) string {
	return sselimittest.NetHTTP().Start(t, sselimittest.Config{Gate: g, UserKey: true, Recovered: func(any) {}})
}
