// Package sselimitgintest runs the sselimit behaviour suite
// (sselimittest) against the Gin adapter, on a real Gin engine and
// http.Server on 127.0.0.1.
//
// A limiter backend in another module proves itself on Gin with its own
// Backend:
//
//	func TestOnGin(t *testing.T) {
//		h := sselimitgintest.Harness()
//		h.Backend = myBackend
//		sselimittest.Run(t, h)
//	}
package sselimitgintest
