// Package sselimitechotest runs the sselimit behaviour suite
// (sselimittest) against the Echo adapter, on a real Echo server on
// 127.0.0.1.
//
// A limiter backend in another module proves itself on Echo with its own
// Backend:
//
//	func TestOnEcho(t *testing.T) {
//		h := sselimitechotest.Harness()
//		h.Backend = myBackend
//		sselimittest.Run(t, h)
//	}
package sselimitechotest
