package sselimit

import (
	"strings"
	"testing"
	"time"
)

func TestNewGateRefusesBadOptions(t *testing.T) {
	if _, err := NewGate(nil); err == nil {
		t.Error("NewGate(nil): got no error, want one")
	}
	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{WithHeartbeat(0), "heartbeat"},
		{WithWriteTimeout(-time.Second), "write timeout"},
		{WithRetryAfter(0, 0), "retry-after base"},
		{WithRetryAfter(time.Second, -1), "retry-after jitter"},
		{WithDrainWindow(0), "drain window"},
		{WithMaxLifetime(-1, 0), "max lifetime"},
		{WithMaxLifetime(time.Hour, -1), "max lifetime jitter"},
		{WithEmptyKey(7), "empty-key policy"},
	} {
		g, err := NewGate(NewSSELimiter(1, 1), tc.opt)
		if err == nil || g != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewGate with bad %s: got (%v, %v), want nil and an error naming it", tc.want, g, err)
		}
	}
}

func TestRetryAfterIsWholeSecondsWithinJitter(t *testing.T) {
	g, err := NewGate(NewSSELimiter(1, 1), WithRetryAfter(1500*time.Millisecond, 2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := g.retryAfter()
		if d%time.Second != 0 || d < 2*time.Second || d > 4*time.Second {
			t.Fatalf("retryAfter: got %v, want whole seconds in [2s, 4s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Errorf("retryAfter over 1000 draws: got only %v, want jitter", seen)
	}
}

func TestRefusalRetryAfterHeader(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "", time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2"} {
		if got := (&Refusal{RetryAfter: d}).RetryAfterHeader(); got != want {
			t.Errorf("RetryAfterHeader for %v: got %q, want %q", d, got, want)
		}
	}
}
