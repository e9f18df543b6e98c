package sselimit

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// UserCounter is implemented by limiters that count streams beyond one
// gate, such as a cluster-wide backend: Users returns the open streams of
// every user holding any, keyed by limiter key, across all the gates that
// share the limiter. Snapshot then reports these counts instead of the
// gate's own.
type UserCounter interface {
	Users(ctx context.Context) (map[string]int64, error)
}

// ClusterCounter is implemented by limiters that count streams beyond one
// gate, such as a cluster-wide backend: ActiveConnections returns the
// streams open across all the gates that share the limiter. Metrics
// exporters report it beside the gate's own count.
type ClusterCounter interface {
	ActiveConnections(ctx context.Context) (int64, error)
}

// Limiter returns the limiter the gate admits through, for exporters that
// look for optional interfaces such as ClusterCounter.
func (g *Gate) Limiter() Limiter { return g.lim }

// A Snapshot shows what a gate's open streams are doing. It names users:
// treat it as the user keys themselves.
type Snapshot struct {
	Taken    time.Time    `json:"taken"`
	Draining bool         `json:"draining"`
	Open     int          `json:"open"`    // streams registered with the gate
	Streams  []StreamInfo `json:"streams"` // oldest first, at most SnapshotOptions.MaxStreams
	// TopUsers are the users holding the most streams, most first, at most
	// SnapshotOptions.TopUsers. UsersScope says whose streams they count:
	// "gate", or "cluster" when the limiter is a UserCounter; if that
	// failed, UsersError says why and the counts are the gate's.
	TopUsers   []UserStreams `json:"top_users"`
	UsersScope string        `json:"users_scope"`
	UsersError string        `json:"users_error,omitempty"`
}

// StreamInfo describes one open stream.
type StreamInfo struct {
	Key        string  `json:"key"` // in DisplayKey form
	Route      string  `json:"route,omitempty"`
	RemoteAddr string  `json:"remote_addr,omitempty"` // the client address as the adapter resolved it
	Age        float64 `json:"age_seconds"`
	Idle       float64 `json:"idle_seconds"` // since bytes last reached the client (since admission, before any did)
	Bytes      uint64  `json:"bytes_sent"`
	Events     uint64  `json:"events_sent"`       // writes that completed an event, the close frame's included
	Closing    Reason  `json:"closing,omitempty"` // why the server is ending it, once it is
	// UserCap is the per-user cap the stream was admitted under: > 0 that
	// many streams, 0 the limiter's own, NoUserCap none.
	UserCap int `json:"user_cap"`
}

// UserStreams is a user's number of open streams.
type UserStreams struct {
	Key     string `json:"key"` // in DisplayKey form
	Streams int64  `json:"streams"`
	// Cap is the per-user cap of the user's newest stream on this gate,
	// as in StreamInfo.UserCap; 0 when the user has none here.
	Cap int `json:"cap"`
}

// SnapshotOptions bound a Snapshot's size. A value ≤ 0 takes the default.
type SnapshotOptions struct {
	MaxStreams int // streams listed (default 100)
	TopUsers   int // users listed (default 10)
}

// Snapshot describes the gate's open streams and its busiest users. ctx
// bounds the limiter's UserCounter call, if any. It walks every open
// stream while holding the lock that admissions and releases take, so
// its cost grows with the number of streams: it is for an operator's
// occasional look, not for a tight loop. Stream routes are those the
// adapters put in Identity.Route.
func (g *Gate) Snapshot(ctx context.Context, opt SnapshotOptions) Snapshot {
	if opt.MaxStreams <= 0 {
		opt.MaxStreams = 100
	}
	if opt.TopUsers <= 0 {
		opt.TopUsers = 10
	}
	snap := Snapshot{Taken: time.Now(), Draining: g.draining.Load(), UsersScope: "gate"}
	var listed []*Stream
	local := make(map[string]int64)
	caps := make(map[string]int)
	for _, s := range g.registered() { // oldest first: the newest cap wins
		snap.Open++
		local[s.key]++
		caps[s.key] = s.obs.userCap
		if len(listed) < opt.MaxStreams {
			listed = append(listed, s)
		}
	}

	now := monoNow()
	snap.Streams = make([]StreamInfo, 0, len(listed))
	for _, s := range listed {
		age := time.Since(s.opened)
		idle := age
		if last := s.lastFlush.Load(); last != 0 {
			idle = time.Duration(now - last)
		}
		info := StreamInfo{
			Key:        s.Key(),
			Route:      s.obs.route,
			RemoteAddr: s.obs.remoteAddr,
			Age:        age.Seconds(),
			Idle:       max(idle, 0).Seconds(),
			Bytes:      s.obs.bytes.Load(),
			Events:     s.obs.events.Load(),
			UserCap:    s.obs.userCap,
		}
		if c := s.closing.Load(); c != nil && c != notStopped {
			info.Closing = c.reason
		}
		snap.Streams = append(snap.Streams, info)
	}

	users := local
	if uc, ok := g.lim.(UserCounter); ok {
		if m, err := uc.Users(ctx); err != nil {
			snap.UsersError = err.Error()
		} else {
			users, snap.UsersScope = m, "cluster"
		}
	}
	snap.TopUsers = topUsers(users, caps, opt.TopUsers)
	return snap
}

// topUsers returns the n keys with the most streams, most first, ties by
// key, with their caps.
func topUsers(counts map[string]int64, caps map[string]int, n int) []UserStreams {
	all := make([]UserStreams, 0, len(counts))
	for k, c := range counts {
		if c > 0 {
			all = append(all, UserStreams{Key: DisplayKey(k), Streams: c, Cap: caps[k]})
		}
	}
	slices.SortFunc(all, func(a, b UserStreams) int {
		return cmp.Or(cmp.Compare(b.Streams, a.Streams), cmp.Compare(a.Key, b.Key))
	})
	return all[:min(n, len(all))]
}
