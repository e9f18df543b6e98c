package sselimittest

import (
	"net/url"
	"strconv"
	"strings"
	"sync"

	sselimit "github.com/sselimit/sselimit/core"
)

// The modes of the /stream route, chosen by its "mode" query parameter.
const (
	ModeHold   = "hold"   // send a hello event, then wait for the stream's end (the default)
	ModeReturn = "return" // send a hello event and n ticks, then return
	ModeFlood  = "flood"  // send a hello event, then large events as fast as the client takes them
	ModeLinger = "linger" // like hold, but once the stream ends wait for the suite to let go
	ModePanic  = "panic"  // panic in the handler
	ModeQuiet  = "quiet"  // send a hello event, then return once the suite lets go, without writing
)

// Mode returns the mode a raw query asks for.
func Mode(rawQuery string) string {
	q, _ := url.ParseQuery(rawQuery)
	if m := q.Get("mode"); m != "" {
		return m
	}
	return ModeHold
}

// Behave is the /stream route's handler body: adapters call it with the
// stream their middleware admitted and the request's raw query, on the
// goroutine that serves the stream. In ModePanic it panics; adapters whose
// streams run after the handler returns (Fiber) must panic in the handler
// instead, before streaming, when Mode(rawQuery) is ModePanic.
func Behave(s *sselimit.Stream, rawQuery string) {
	q, _ := url.ParseQuery(rawQuery)
	mode := Mode(rawQuery)
	if s.Send(sselimit.Event{Name: "hello", Data: s.Key()}) != nil {
		return
	}
	ctx := s.Context()
	switch mode {
	case ModePanic:
		panic("sselimittest: deliberate panic")
	case ModeReturn:
		n, _ := strconv.Atoi(q.Get("n"))
		for i := range n {
			if s.Send(sselimit.Event{Name: "tick", ID: strconv.Itoa(i), Data: "line one\nline two"}) != nil {
				return
			}
		}
	case ModeFlood:
		big := strings.Repeat("x", 64<<10)
		for s.Send(sselimit.Event{Name: "flood", Data: big}) == nil {
		}
	case ModeQuiet:
		select {
		case <-lingerChan(q.Get("id")):
		case <-ctx.Done():
		}
	case ModeLinger:
		<-ctx.Done()
		close(stoppedChan(q.Get("id")))
		<-lingerChan(q.Get("id"))
	default:
		<-ctx.Done()
	}
}

// Channels of ModeLinger streams, by their "id" query parameter: the suite
// closes a lingerChan to let the stream go; the stream closes its
// stoppedChan once its context has ended.
var lingering, stopped sync.Map // id → chan struct{}

func lingerChan(id string) chan struct{} { return idChan(&lingering, id) }

func stoppedChan(id string) chan struct{} { return idChan(&stopped, id) }

func idChan(m *sync.Map, id string) chan struct{} {
	c, _ := m.LoadOrStore(id, make(chan struct{}))
	return c.(chan struct{})
}
