package sselimit

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// nopTransport is a client that takes every byte.
type nopTransport struct{}

func (nopTransport) Write(p []byte) (int, error)      { return len(p), nil }
func (nopTransport) Flush() error                     { return nil }
func (nopTransport) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkHeldStream reports the gate's and the limiter's share of a held
// stream, in process: the Go heap that 10,000 streams, each admitted for
// its own user from a request's cancelable context, started and sent one
// event, keep alive beyond those request contexts (bytes/stream). Run it
// with -benchtime 1x in a process of its own: what an earlier run left for
// the collector blurs the next.
func BenchmarkHeldStream(b *testing.B) {
	const n = 10000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "user-" + strconv.Itoa(i)
	}
	for b.Loop() {
		g, _ := NewGate(NewSSELimiter(0, 0))
		parents := make([]context.Context, n)
		cancels := make([]context.CancelFunc, n)
		for i := range parents {
			parents[i], cancels[i] = context.WithCancel(context.Background())
			<-nilDone(parents[i]) // a handler waits on its request's context too
		}
		before := liveHeap()
		streams := make([]*Stream, n)
		for i := range streams {
			s, r := g.Admit(parents[i], Identity{Key: keys[i]})
			if r != nil {
				b.Fatal(r)
			}
			s.Start(nopTransport{})
			s.Send(Event{Name: "hello", Data: keys[i]})
			s.Context().Done()
			streams[i] = s
		}
		b.ReportMetric(float64(liveHeap()-before)/n, "bytes/stream")
		for i, s := range streams {
			s.End()
			cancels[i]()
		}
		runtime.KeepAlive(parents)
	}
}

// nilDone reads ctx's Done channel, as a handler does, and returns a
// closed channel.
func nilDone(ctx context.Context) chan struct{} {
	ctx.Done()
	c := make(chan struct{})
	close(c)
	return c
}

func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
