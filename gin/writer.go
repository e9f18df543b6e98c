package sselimitgin

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	sselimit "github.com/sselimit/sselimit/core"
)

// transport writes a stream to the Gin writer the middleware found, so
// Gin's size tracking counts the bytes, and flushes and sets deadlines
// through a ResponseController over the server's own writer, since Gin's
// Flush drops the flush's error.
type transport struct {
	w  gin.ResponseWriter
	rc *http.ResponseController
	// flushFirst is set when w wraps Gin's writer (an earlier middleware
	// replaced c.Writer): w is flushed first, for whatever it buffers.
	flushFirst bool
	written    atomic.Int64
}

type unwrapper interface{ Unwrap() http.ResponseWriter }

func (t *transport) init(w gin.ResponseWriter) {
	// Unwrap Gin writers down to the server's writer. Gin's own writer
	// (since v1.9.0) has Unwrap; a wrapper without it ends the walk,
	// and its flush errors and deadlines are then out of reach.
	var inner http.ResponseWriter = w
	layers := 0
	for {
		_, isGin := inner.(gin.ResponseWriter)
		u, ok := inner.(unwrapper)
		if !isGin || !ok {
			break
		}
		inner = u.Unwrap()
		layers++
	}
	_, innerIsGin := inner.(gin.ResponseWriter)
	t.w = w
	t.rc = http.NewResponseController(inner)
	t.flushFirst = layers > 1 || (layers == 1 && innerIsGin)
}

func (t *transport) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.written.Add(int64(n))
	return n, err
}

func (t *transport) Flush() error {
	if t.flushFirst {
		t.w.Flush()
	}
	return t.rc.Flush()
}

func (t *transport) SetWriteDeadline(d time.Time) error { return t.rc.SetWriteDeadline(d) }

var errHijack = errors.New("sselimitgin: an event stream cannot be hijacked")

// streamWriter is c.Writer while a stream runs: writes and flushes go
// through the stream, and CloseNotify fires when the stream's context ends,
// so c.Stream stops on drain as well as on disconnect.
type streamWriter struct {
	gin.ResponseWriter // the writer the middleware found: Header, Pusher
	s                  *sselimit.Stream
	t                  transport

	notifyOnce sync.Once
	notify     chan bool
}

var _ gin.ResponseWriter = (*streamWriter)(nil)

func (w *streamWriter) Write(p []byte) (int, error)       { return w.s.Write(p) }
func (w *streamWriter) WriteString(p string) (int, error) { return w.s.Write([]byte(p)) }

// WriteHeader and WriteHeaderNow do nothing: the 200 is already sent.
func (w *streamWriter) WriteHeader(int) {}
func (w *streamWriter) WriteHeaderNow() {}
func (w *streamWriter) Status() int     { return http.StatusOK }
func (w *streamWriter) Written() bool   { return true }

// Size is the number of body bytes sent so far, heartbeats included.
func (w *streamWriter) Size() int { return int(w.t.written.Load()) }

func (w *streamWriter) Flush()            { w.s.Flush() }
func (w *streamWriter) FlushError() error { return w.s.Flush() }

// SetWriteDeadline is ignored: the stream sets its own on every write.
func (w *streamWriter) SetWriteDeadline(time.Time) error { return nil }

func (w *streamWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, errHijack }

// CloseNotify returns a channel that receives true, then is closed, when the
// stream's context ends.
func (w *streamWriter) CloseNotify() <-chan bool {
	w.notifyOnce.Do(func() {
		ch := make(chan bool, 1)
		w.notify = ch
		context.AfterFunc(w.s.Context(), func() {
			ch <- true
			close(ch)
		})
	})
	return w.notify
}

func (w *streamWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
