package sselimit

import (
	"context"
	"fmt"
	"testing"
)

// The streams of many users spread over the registry's shards, every
// stream of one user in one shard, and Snapshot still lists them in the
// order they were admitted.
func TestRegistryShardsKeepAdmissionOrder(t *testing.T) {
	g := mustGate(t, NewSSELimiter(0, 0), WithEvictOldest())
	const users = 64
	var want []string
	for i := range users {
		key := fmt.Sprintf("user-%02d", i)
		s := mustAdmit(t, g, key)
		defer s.End()
		want = append(want, key)
	}
	same := make([]*Stream, 5)
	for i := range same {
		same[i] = mustAdmit(t, g, "one-user")
		defer same[i].End()
		want = append(want, "one-user")
	}

	busy := 0
	for i := range g.registry {
		if g.registry[i].n > 0 {
			busy++
		}
	}
	if busy < 2 {
		t.Errorf("the streams of %d users are in %d registry shards, want them spread over several", users, busy)
	}
	for _, s := range same[1:] {
		if s.registry != same[0].registry {
			t.Errorf("the streams of one user are in different registry shards")
		}
	}
	if got := same[0].registry.oldest["one-user"]; got != same[0] {
		t.Errorf("the oldest stream of one-user is %p, want the first admitted, %p", got, same[0])
	}

	snap := g.Snapshot(context.Background(), SnapshotOptions{MaxStreams: len(want)})
	if snap.Open != len(want) {
		t.Fatalf("Snapshot().Open = %d, want %d", snap.Open, len(want))
	}
	for i, s := range snap.Streams {
		if s.Key != want[i] {
			t.Fatalf("Snapshot().Streams[%d].Key = %q, want %q: streams listed out of admission order", i, s.Key, want[i])
		}
	}
}

// Drain counts and waits for the streams of every shard: cut short, it
// reports all of them; let run, it returns only once the last one, in
// whichever shard, is released.
func TestDrainWaitsForEveryShard(t *testing.T) {
	lim := NewSSELimiter(0, 0)
	g := mustGate(t, lim)
	const users = 64
	streams := make([]*Stream, users)
	for i := range streams {
		streams[i] = mustAdmit(t, g, fmt.Sprintf("user-%02d", i))
	}

	cut, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := g.Drain(cut); n != users || err != context.Canceled {
		t.Errorf("Drain(canceled) = (%d, %v), want (%d, %v)", n, err, users, context.Canceled)
	}

	drained := make(chan error, 1)
	go func() {
		n, err := g.Drain(context.Background())
		if err == nil && n != 0 {
			err = fmt.Errorf("%d streams remain", n)
		}
		drained <- err
	}()
	last := streams[users-1]
	for _, s := range streams[:users-1] {
		<-s.Context().Done() // stopped by Drain
		s.End()
	}
	g.lockRegistry()
	early := g.idleClosed
	g.unlockRegistry()
	if early {
		t.Errorf("Drain's wait ended with the stream of %q still open", last.Key())
	}
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) with the stream of %q still open", err, last.Key())
	default:
	}
	last.End()
	if err := <-drained; err != nil {
		t.Errorf("Drain() error = %v, want nil", err)
	}
	if got := g.Stats().Active; got != 0 {
		t.Errorf("Stats().Active after Drain = %d, want 0", got)
	}
	if got := lim.ActiveConnections(); got != 0 {
		t.Errorf("ActiveConnections() after Drain = %d, want 0", got)
	}
}
