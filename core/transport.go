package sselimit

import (
	"io"
	"net/http"
	"time"
)

// Transport is how a stream reaches its client: what an adapter provides
// for its framework's writer. A Transport that also has a method
// NetConn() net.Conn gives the stream its connection, as ConnContext does.
type Transport interface {
	Write(p []byte) (int, error)
	// Flush sends buffered bytes and reports a failed write.
	Flush() error
	// SetWriteDeadline bounds the writes and flushes that follow.
	SetWriteDeadline(t time.Time) error
}

// ResponseTransport is the Transport of net/http-based servers. W receives
// the bytes; RC flushes and sets deadlines on the connection.
type ResponseTransport struct {
	W  io.Writer
	RC *http.ResponseController
}

// NewResponseTransport returns a transport writing to w and controlling w.
func NewResponseTransport(w http.ResponseWriter) *ResponseTransport {
	return &ResponseTransport{W: w, RC: http.NewResponseController(w)}
}

func (t *ResponseTransport) Write(p []byte) (int, error) { return t.W.Write(p) }

// Flush flushes through the controller, which reports errors that many
// frameworks' Flush methods swallow.
func (t *ResponseTransport) Flush() error { return t.RC.Flush() }

func (t *ResponseTransport) SetWriteDeadline(d time.Time) error { return t.RC.SetWriteDeadline(d) }

// ResponseWriter returns w with its writes routed through the stream, for
// handlers that write and flush the response directly: their writes then
// share the stream's lock, write deadline and framing state with the
// heartbeat and the close frame. A late WriteHeader is ignored.
func (s *Stream) ResponseWriter(w http.ResponseWriter) http.ResponseWriter {
	return &streamWriter{w, s}
}

type streamWriter struct {
	http.ResponseWriter
	s *Stream
}

func (w *streamWriter) Write(p []byte) (int, error)       { return w.s.Write(p) }
func (w *streamWriter) WriteString(p string) (int, error) { return w.s.Write([]byte(p)) }
func (w *streamWriter) WriteHeader(int)                   {}
func (w *streamWriter) Flush()                            { w.s.Flush() }
func (w *streamWriter) FlushError() error                 { return w.s.Flush() }
func (w *streamWriter) Unwrap() http.ResponseWriter       { return w.ResponseWriter }
func (w *streamWriter) SetWriteDeadline(time.Time) error  { return nil }
