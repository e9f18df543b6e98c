package sselimit

import (
	"runtime"
	"strconv"
	"testing"
)

// TestMemoryBoundedByActiveStreams makes a great many distinct users acquire
// and release, up to a thousand holding slots at once, and checks that the
// heap ends where it started: the limiter keeps nothing for users who have
// left. Under the race detector it uses fewer users (see limiterRace), enough
// for a leak of one object per user to stand far above the bounds.
func TestMemoryBoundedByActiveStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: a million users")
	}
	users := 1_000_000
	if limiterRace {
		users = 50_000
	}
	const window = 1000 // users holding a slot at once

	l := NewSSELimiter(0, 1)
	ring := make([]func(), window)
	key := make([]byte, 0, 32)
	// Warm up the map and the ticket pool, and allocate ring, before measuring.
	mustAcquire(t, l, "warm-up")()

	before := heapAfterGC()
	for i := range users {
		key = strconv.AppendInt(append(key[:0], "user-"...), int64(i), 10)
		release, err := l.Acquire(string(key))
		if err != nil {
			t.Fatalf("Acquire(%q) error = %v, want nil", key, err)
		}
		if old := ring[i%window]; old != nil {
			old()
		}
		ring[i%window] = release
	}
	if got := userEntries(l); got != window {
		t.Errorf("user entries with %d users holding slots = %d, want %d", window, got, window)
	}
	for i, release := range ring {
		release()
		ring[i] = nil
	}
	after := heapAfterGC()

	checkCounts(t, l, 0, nil)
	const maxObjects, maxBytes = 2000, 512 << 10
	objects := int64(after.HeapObjects) - int64(before.HeapObjects)
	bytes := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d users: heap grew by %d objects, %d bytes", users, objects, bytes)
	if objects > maxObjects {
		t.Errorf("heap grew by %d objects after %d users left, want at most %d", objects, users, maxObjects)
	}
	if bytes > maxBytes {
		t.Errorf("heap grew by %d bytes after %d users left, want at most %d", bytes, users, maxBytes)
	}
	runtime.KeepAlive(l)
}

// heapAfterGC collects twice (pooled objects survive one collection in the
// pool's victim cache) and returns the memory statistics.
func heapAfterGC() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}
