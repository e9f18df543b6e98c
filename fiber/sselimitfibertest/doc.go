// Package sselimitfibertest runs the sselimit behaviour suite
// (sselimittest) against the Fiber adapter, on a real Fiber app on
// 127.0.0.1.
//
// A limiter backend in another module proves itself on Fiber with its own
// Backend:
//
//	func TestOnFiber(t *testing.T) {
//		h := sselimitfibertest.Harness()
//		h.Backend = myBackend
//		sselimittest.Run(t, h)
//	}
//
// fasthttp keeps a few goroutines for the whole process (its Date header
// clock, its worker pools' cleaners); a goleak check in TestMain ignores
// the functions BackgroundGoroutines names.
package sselimitfibertest
