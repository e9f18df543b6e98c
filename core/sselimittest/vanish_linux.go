package sselimittest

import (
	"context"
	"net"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

// VanishedClients runs, as subtests, every check of what becomes of a
// stream whose client may vanish: ConnContextBound, then UnpluggedClient
// and UnpluggedHTTP2Client, each with sselimit.ConnContext as the
// server's ConnContext (the slot must be released) and without (the
// control: it must still be held). serve starts the adapter's GET /stream
// route, whose handler calls Behave, through its middleware on g, on a
// server that speaks HTTP/1.x and unencrypted HTTP/2 (see
// HTTP1AndUnencryptedHTTP2) and whose ConnContext is connContext (nil:
// none), and returns the base URL. Call it first thing in the test (see
// InPrivateNetwork).
func VanishedClients(t *testing.T, serve func(t *testing.T, g *sselimit.Gate, connContext func(context.Context, net.Conn) context.Context) string) {
	t.Run("ConnContextBound", func(t *testing.T) { ConnContextBound(t, serve) })
	for _, tc := range []struct {
		name    string
		check   func(*testing.T, bool, func(*testing.T, *sselimit.Gate) string)
		release bool
	}{
		{"UnpluggedHTTP1", UnpluggedClient, true},
		{"UnpluggedHTTP1WithoutConnContext", UnpluggedClient, false},
		{"UnpluggedHTTP2", UnpluggedHTTP2Client, true},
		{"UnpluggedHTTP2WithoutConnContext", UnpluggedHTTP2Client, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var connContext func(context.Context, net.Conn) context.Context
			if tc.release {
				connContext = sselimit.ConnContext
			}
			tc.check(t, tc.release, func(t *testing.T, g *sselimit.Gate) string {
				return serve(t, g, connContext)
			})
		})
	}
}
