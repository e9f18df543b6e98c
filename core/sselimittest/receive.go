package sselimittest

import (
	"testing"
	"time"
)

// Receive returns the next value of ch, failing the test if none comes
// within WaitLimit: a safety net, not a synchronisation. what names the
// value in the failure.
func Receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	limit := time.NewTimer(WaitLimit)
	defer limit.Stop()
	select {
	case v := <-ch:
		return v
	case <-limit.C:
		t.Fatalf("timed out after %v waiting for %s", WaitLimit, what)
		panic("unreachable")
	}
}
