package sselimit

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidField is returned for an event whose ID or Name holds a line
// break (or, for an ID, a NUL), which would corrupt the stream's framing.
var ErrInvalidField = errors.New("sselimit: event field holds a line break")

// Event is one server-sent event, framed per the WHATWG event-stream format.
type Event struct {
	// ID is the event's id: field; empty means none.
	ID string
	// Name is the event: field (the type a browser dispatches); empty means
	// "message".
	Name string
	// Data is the payload. Each of its lines becomes one data: line, so
	// multi-line data arrives intact.
	Data string
	// Retry, when positive, is sent as the retry: field in milliseconds.
	Retry time.Duration
}

// AppendTo appends the framed event to b. It returns b unchanged and
// ErrInvalidField when ID or Name would break the framing.
func (e Event) AppendTo(b []byte) ([]byte, error) {
	if strings.ContainsAny(e.Name, "\r\n") || strings.ContainsAny(e.ID, "\r\n\x00") {
		return b, ErrInvalidField
	}
	if e.Name != "" {
		b = append(b, "event: "...)
		b = append(b, e.Name...)
		b = append(b, '\n')
	}
	if e.ID != "" {
		b = append(b, "id: "...)
		b = append(b, e.ID...)
		b = append(b, '\n')
	}
	b = appendLines(b, "data: ", e.Data)
	if e.Retry > 0 {
		b = append(b, "retry: "...)
		b = strconv.AppendInt(b, e.Retry.Milliseconds(), 10)
		b = append(b, '\n')
	}
	return append(b, '\n'), nil
}

// appendLines writes s as one prefixed line per line of s, splitting on
// CRLF, CR and LF as a reader of the stream would.
func appendLines(b []byte, prefix, s string) []byte {
	for {
		i := strings.IndexAny(s, "\r\n")
		b = append(b, prefix...)
		if i < 0 {
			b = append(b, s...)
			return append(b, '\n')
		}
		b = append(b, s[:i]...)
		b = append(b, '\n')
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
}

// appendComment appends text as comment lines, which readers ignore.
func appendComment(b []byte, text string) []byte {
	return appendLines(b, ": ", text)
}

// closeFrame is the event the server writes when it ends a stream:
//
//	event: close
//	data: {"reason":"shutdown","retry_ms":2345}
//	retry: 2345
func appendCloseFrame(b []byte, reason Reason, retry time.Duration) []byte {
	ms := retry.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	b = append(b, "event: close\ndata: {\"reason\":\""...)
	b = append(b, reason...)
	b = append(b, "\",\"retry_ms\":"...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, "}\nretry: "...)
	b = strconv.AppendInt(b, ms, 10)
	return append(b, "\n\n"...)
}

// CloseFrame returns the close frame for reason with the given retry delay,
// exactly as a stream ended by the server receives it.
func CloseFrame(reason Reason, retry time.Duration) []byte {
	return appendCloseFrame(nil, reason, retry)
}
