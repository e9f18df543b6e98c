package sselimitfiber

import (
	"errors"
	"io"
	"sync"
)

// pipe carries a stream's bytes from the goroutine that runs the stream
// function to fasthttp's, which reads them as the response body and
// writes them to the connection. Writes wait while more than pipeLimit
// bytes are unread, so a client that stops reading stops the stream too.
type pipe struct {
	mu    sync.Mutex
	cond  sync.Cond // on mu: the reader waits for bytes, a writer for room
	data  []byte    // written; unread from off on
	off   int
	wdone bool // no more writes: the reader gets io.EOF once data is read
	rdone bool // no more reads: writes fail
	abort bool // the reader gets errAborted at once
}

// pipeLimit is how many unread bytes a writer may leave before it waits.
const pipeLimit = 64 << 10

// maxKeptPipe is the largest buffer the pipe keeps once it is read empty.
const maxKeptPipe = 4 << 10

// errBodyClosed fails the stream's writes once fasthttp is done with the
// response body.
var errBodyClosed = errors.New("sselimitfiber: response body closed")

func (p *pipe) write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.rdone && len(p.data)-p.off >= pipeLimit {
		p.wait()
	}
	if p.rdone {
		return 0, errBodyClosed
	}
	p.data = append(p.data, b...)
	return len(b), nil
}

// flush wakes the reader for what was written.
func (p *pipe) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rdone {
		return errBodyClosed
	}
	p.cond.Broadcast()
	return nil
}

func (p *pipe) read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.off == len(p.data) && !p.wdone && !p.abort {
		p.wait()
	}
	switch {
	case p.abort:
		return 0, errAborted
	case p.off == len(p.data):
		return 0, io.EOF
	}
	n := copy(b, p.data[p.off:])
	if p.off += n; p.off == len(p.data) {
		p.data, p.off = p.data[:0], 0
		if cap(p.data) > maxKeptPipe {
			p.data = nil
		}
		p.cond.Broadcast() // room for a waiting writer
	}
	return n, nil
}

// closeWrite ends the writes: the reader gets io.EOF once it has read
// everything.
func (p *pipe) closeWrite() { p.set(func() { p.wdone = true }) }

// closeRead ends the reads: writes fail from now on.
func (p *pipe) closeRead() { p.set(func() { p.rdone = true }) }

// abortRead makes the reader's next read fail with errAborted.
func (p *pipe) abortRead() { p.set(func() { p.abort = true }) }

func (p *pipe) set(change func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	change()
	p.cond.Broadcast()
}

func (p *pipe) wait() {
	if p.cond.L == nil {
		p.cond.L = &p.mu
	}
	p.cond.Wait()
}
