package sselimit

import (
	"strconv"
	"strings"
	"testing"
)

func TestKeysOfEveryLength(t *testing.T) {
	// Keys that share a prefix, or differ only in length, are different
	// users.
	l := NewSSELimiter(0, 1)
	var keys []string
	for n := range 80 {
		keys = append(keys, strings.Repeat("k", n))
	}
	counts := map[string]int64{}
	var releases []func()
	for _, k := range keys {
		releases = append(releases, mustAcquire(t, l, k))
		counts[k] = 1
	}
	checkCounts(t, l, int64(len(keys)), counts)
	for i, r := range releases {
		r()
		counts[keys[i]] = 0
	}
	checkCounts(t, l, 0, counts)
}

func TestManyUsersGrowAndShrinkTables(t *testing.T) {
	// Enough users for every shard's table to grow several times, then
	// shrink back as they leave, with the counts right all along.
	l := NewSSELimiter(0, 2)
	const users = 5000
	releases := make([]func(), 0, users)
	for i := range users {
		releases = append(releases, mustAcquire(t, l, "user-"+strconv.Itoa(i)))
	}
	if got := userEntries(l); got != users {
		t.Fatalf("user entries = %d, want %d", got, users)
	}
	for i := range users {
		if got := l.ActiveForUser("user-" + strconv.Itoa(i)); got != 1 {
			t.Fatalf("ActiveForUser(user-%d) = %d, want 1", i, got)
		}
	}
	for _, r := range releases {
		r()
	}
	checkCounts(t, l, 0, nil)
	for i := range l.shards {
		if tab := l.shards[i].tab.Load(); tab != nil && len(tab.slots) > minSlots {
			t.Errorf("shard %d: %d slots with no users, want %d", i, len(tab.slots), minSlots)
		}
	}
}

func TestRefusesWithoutBuildingTheKey(t *testing.T) {
	// refuses(prefix, name) answers as AcquireCap(prefix+name) would at
	// once, however the key is split, short or long.
	long := strings.Repeat("x", 63)
	for _, key := range []string{IPKey("10.0.0.1"), "alice", IPKey(long), long + "y"} {
		l := NewSSELimiter(2, 1)
		r := mustAcquire(t, l, key)
		for i := range len(key) + 1 {
			prefix, name := key[:i], key[i:]
			for userCap, want := range map[int]error{0: ErrTooManyConnectionsForUser, 1: ErrTooManyConnectionsForUser, 2: nil, NoUserCap: nil} {
				if got := l.refuses(prefix, name, userCap); got != want {
					t.Fatalf("refuses(%q, %q, %d) = %v, want %v", prefix, name, userCap, got, want)
				}
			}
		}
		if got := l.refuses(key[:1], key[1:]+"z", 0); got != nil {
			t.Errorf("refuses(another user) = %v, want nil", got)
		}
		other := mustAcquire(t, l, "other")
		if got := l.refuses(key[:1], key[1:]+"z", 0); got != ErrTooManyConnections {
			t.Errorf("refuses(another user, global cap full) = %v, want %v", got, ErrTooManyConnections)
		}
		other()
		r()
		if got := l.refuses(key[:1], key[1:], 0); got != nil {
			t.Errorf("refuses(%q) after its release = %v, want nil", key, got)
		}
	}
}

func TestKeyHashOfEverySplit(t *testing.T) {
	// However a key is split into prefix and name, it hashes the same.
	l := NewSSELimiter(0, 0)
	for _, key := range []string{"alice", IPKey("10.0.0.1"), IPKey(""), ipPrefix[:2], "x" + ipPrefix} {
		want := l.keyHash("", key)
		for i := range len(key) + 1 {
			if got := l.keyHash(key[:i], key[i:]); got != want {
				t.Errorf("keyHash(%q, %q) = %#x, want %#x, the hash of %q whole", key[:i], key[i:], got, want, key)
			}
		}
	}
}
