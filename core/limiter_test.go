package sselimit

import (
	"sync"
	"sync/atomic"
	"testing"
)

// userEntries counts the limiter's per-user entries, dead or alive: the
// state it keeps.
func userEntries(l *SSELimiter) int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.lock()
		if t := sh.tab.Load(); t != nil {
			for j := range t.slots {
				if e := t.slots[j].Load(); e != nil && e != tombstone {
					n++
				}
			}
		}
		sh.unlock()
	}
	return n
}

// entryOf returns the entry of user, as an admission's lookup finds it.
func entryOf(l *SSELimiter, user string) *userEntry {
	h := l.keyHash("", user)
	return l.shard(h).find(h, "", user)
}

// failOnce returns a function that reports the first failure of
// goroutines that run concurrently, and ignores the others.
func failOnce(t *testing.T) func(format string, args ...any) {
	var failed atomic.Bool
	return func(format string, args ...any) {
		if failed.CompareAndSwap(false, true) {
			t.Errorf(format, args...)
		}
	}
}

// mustAcquire acquires a slot for user and fails the test if it is refused.
func mustAcquire(t *testing.T, l *SSELimiter, user string) func() {
	t.Helper()
	release, err := l.Acquire(user)
	if err != nil || release == nil {
		t.Fatalf("Acquire(%q) = (release: %t, error: %v), want (true, nil)", user, release != nil, err)
	}
	return release
}

// checkCounts compares the limiter's total, per-user counts and number of
// entries with want.
func checkCounts(t *testing.T, l *SSELimiter, total int64, perUser map[string]int64) {
	t.Helper()
	if got := l.ActiveConnections(); got != total {
		t.Errorf("ActiveConnections() = %d, want %d", got, total)
	}
	live := 0
	for u, want := range perUser {
		if got := l.ActiveForUser(u); got != want {
			t.Errorf("ActiveForUser(%q) = %d, want %d", u, got, want)
		}
		if want > 0 {
			live++
		}
	}
	if got := userEntries(l); got != live {
		t.Errorf("user entries = %d, want %d", got, live)
	}
}

func TestAcquire(t *testing.T) {
	tests := []struct {
		name                 string
		maxTotal, maxPerUser int
		held                 []string // acquired first, in order
		user                 string
		want                 error
	}{
		{"caps disabled", 0, 0, []string{"a", "a", "a", "b"}, "a", nil},
		{"negative caps disabled", -1, -5, []string{"a", "a", "a"}, "a", nil},
		{"below both caps", 3, 2, []string{"a", "b"}, "a", nil},
		{"user cap reached", 0, 2, []string{"a", "a"}, "a", ErrTooManyConnectionsForUser},
		{"user cap is per user", 0, 2, []string{"a", "a"}, "b", nil},
		{"user cap only", 0, 1, []string{"a", "b", "c", "d"}, "e", nil},
		{"global cap reached, new user", 2, 0, []string{"a", "b"}, "c", ErrTooManyConnections},
		{"global cap reached, known user", 2, 5, []string{"a", "b"}, "a", ErrTooManyConnections},
		{"global cap only", 3, 0, []string{"a", "a"}, "a", nil},
		{"both full: user error first", 2, 2, []string{"a", "a"}, "a", ErrTooManyConnectionsForUser},
		{"both full, other user: global error", 2, 2, []string{"a", "a"}, "b", ErrTooManyConnections},
		{"empty user is a user", 0, 1, []string{""}, "", ErrTooManyConnectionsForUser},
		{"first acquire", 1, 1, nil, "a", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewSSELimiter(tt.maxTotal, tt.maxPerUser)
			counts := map[string]int64{tt.user: 0}
			var releases []func()
			for _, u := range tt.held {
				releases = append(releases, mustAcquire(t, l, u))
				counts[u]++
			}
			total := int64(len(tt.held))
			checkCounts(t, l, total, counts)

			release, err := l.Acquire(tt.user)
			if err != tt.want {
				t.Fatalf("Acquire(%q) error = %v, want %v", tt.user, err, tt.want)
			}
			if (err == nil) != (release != nil) {
				t.Fatalf("Acquire(%q) = (release: %t, error: %v)", tt.user, release != nil, err)
			}
			if err == nil {
				counts[tt.user]++
				checkCounts(t, l, total+1, counts)
				release()
				counts[tt.user]--
			}
			// After a refusal or a release: nothing held, no entry left.
			checkCounts(t, l, total, counts)
			for i, r := range releases {
				r()
				counts[tt.held[i]]--
				total--
				checkCounts(t, l, total, counts)
			}
		})
	}
}

func TestReleaseIdempotent(t *testing.T) {
	l := NewSSELimiter(2, 2)
	keep := mustAcquire(t, l, "a")
	r := mustAcquire(t, l, "a")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(r) // concurrent calls: one of them acts
	}
	wg.Wait()
	r()
	checkCounts(t, l, 1, map[string]int64{"a": 1})
	keep()
	keep()
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

func TestReleaseAfterReuse(t *testing.T) {
	// Released tickets go back to a pool and serve later admissions; a
	// stale release function must never give back one of those.
	l := NewSSELimiter(0, 0)
	var stale []func()
	for range 16 {
		r := mustAcquire(t, l, "a")
		r()
		stale = append(stale, r)
	}
	var held []func()
	for range 16 {
		held = append(held, mustAcquire(t, l, "a"))
	}
	for _, r := range stale {
		r()
		r()
	}
	checkCounts(t, l, 16, map[string]int64{"a": 16})
	for _, r := range held {
		r()
	}
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

func TestActiveForUserUnknownCreatesNothing(t *testing.T) {
	// checkCounts reads ActiveForUser("ghost") first, then counts entries.
	l := NewSSELimiter(1, 1)
	checkCounts(t, l, 0, map[string]int64{"ghost": 0})
	r := mustAcquire(t, l, "a")
	checkCounts(t, l, 1, map[string]int64{"a": 1, "ghost": 0})
	r()
	checkCounts(t, l, 0, map[string]int64{"a": 0, "ghost": 0})
}

func TestNoEntryAfterLastRelease(t *testing.T) {
	l := NewSSELimiter(0, 0)
	a1 := mustAcquire(t, l, "a")
	a2 := mustAcquire(t, l, "a")
	b := mustAcquire(t, l, "b")
	checkCounts(t, l, 3, map[string]int64{"a": 2, "b": 1})
	a1()
	checkCounts(t, l, 2, map[string]int64{"a": 1, "b": 1})
	a2()
	checkCounts(t, l, 1, map[string]int64{"a": 0, "b": 1})
	b()
	checkCounts(t, l, 0, map[string]int64{"a": 0, "b": 0})
	// The user comes back: a fresh entry, then none again.
	a3 := mustAcquire(t, l, "a")
	checkCounts(t, l, 1, map[string]int64{"a": 1})
	a3()
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}
