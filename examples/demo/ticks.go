package demo

import (
	"strconv"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// LastEventID is the ID of the last tick a client saw: the Last-Event-ID
// header an EventSource sends when it reconnects by itself, else the
// lastEventId query parameter, which the page sets when it opens a new
// EventSource to continue a stream.
func LastEventID(header, query string) string {
	if header != "" {
		return header
	}
	return query
}

// Ticks sends a "tick" event at once and then every a.Tick, with the
// tick's number as the event ID and the server's time as the data, until
// the stream's context ends: the client left or the server ended the
// stream (the adapter then writes the close frame). The numbering goes on
// from lastEventID, or starts at 1 when it is not a tick's number.
func (a *App) Ticks(s *sselimit.Stream, lastEventID string) {
	t := time.NewTicker(a.Tick)
	defer t.Stop()
	for n := resumeAfter(lastEventID) + 1; ; n++ {
		ev := sselimit.Event{
			ID:   strconv.FormatInt(n, 10),
			Name: "tick",
			Data: `{"time":"` + time.Now().Format(time.TimeOnly) + `"}`,
		}
		if s.Send(ev) != nil {
			return
		}
		select {
		case <-s.Context().Done():
			return
		case <-t.C:
		}
	}
}

// resumeAfter is the tick number id names, or 0.
func resumeAfter(id string) int64 {
	n, err := strconv.ParseInt(id, 10, 32)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
