package sselimitfiber

import (
	"net"
	"os"
	"sync"
	"syscall"
)

// hangups tells running streams that their client went: it closed or
// reset its connection, or the kernel dropped a connection whose client
// stopped acknowledging. One epoll set holds every watched connection and
// Go's poller waits on that set, so a stream costs no goroutine and no
// read of its own. The set and its goroutine exist while some connection
// is watched.
var hangups watcher

type watcher struct {
	mu   sync.Mutex
	set  *os.File          // the epoll set; nil while nothing is watched
	gone map[uint64]func() // by the id each connection's events carry
	last uint64            // the last id given; ids are never reused
}

// hangupEvents are the events watched: the client's close (EPOLLRDHUP),
// and a reset or a dropped connection (EPOLLERR and EPOLLHUP, always
// reported). After one event the connection is watched no more.
const hangupEvents = syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

// watch calls gone once when the client of c goes, unless unwatch(c, id)
// came first. gone runs on the watcher's goroutine with its lock held: it
// must be quick and must not call watch or unwatch. watch returns 0 when
// c cannot be watched: no socket is under it.
func (w *watcher) watch(c net.Conn, gone func()) (id uint64) {
	sc := socketUnder(c)
	if sc == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.set == nil {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			return 0
		}
		syscall.SetNonblock(epfd, true) // so that os.NewFile hands it to Go's poller
		w.set, w.gone = os.NewFile(uintptr(epfd), "sselimitfiber hangups"), make(map[uint64]func())
		go w.run(w.set)
	}
	w.last++
	ev := syscall.EpollEvent{Events: hangupEvents, Fd: int32(w.last), Pad: int32(w.last >> 32)}
	if w.ctl(syscall.EPOLL_CTL_ADD, sc, &ev) != nil {
		w.closeIfIdle()
		return 0
	}
	w.gone[w.last] = gone
	return w.last
}

// unwatch stops watching the connection c that watch gave id; its gone
// function is not called after unwatch returns.
func (w *watcher) unwatch(c net.Conn, id uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.gone[id]; !ok {
		return // gone was called
	}
	delete(w.gone, id)
	// Once c is closed the kernel has dropped it from the set, and its
	// descriptor may be another connection's: ctl then fails rather than
	// touch that one.
	w.ctl(syscall.EPOLL_CTL_DEL, socketUnder(c), nil)
	w.closeIfIdle()
}

// ctl changes the set for the socket sc; w.mu is held.
func (w *watcher) ctl(op int, sc syscall.Conn, ev *syscall.EpollEvent) error {
	set, err := w.set.SyscallConn()
	if err != nil {
		return err
	}
	conn, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var cerr error
	err = set.Control(func(epfd uintptr) {
		if err := conn.Control(func(fd uintptr) { cerr = syscall.EpollCtl(int(epfd), op, int(fd), ev) }); err != nil {
			cerr = err
		}
	})
	if err != nil {
		return err
	}
	return cerr
}

// closeIfIdle closes the set when it watches nothing, which ends its
// goroutine; w.mu is held.
func (w *watcher) closeIfIdle() {
	if len(w.gone) == 0 && w.set != nil {
		w.set.Close()
		w.set = nil
	}
}

// run waits on set and calls the gone function of each connection with
// an event, until set is closed.
func (w *watcher) run(set *os.File) {
	raw, err := set.SyscallConn()
	if err != nil {
		return
	}
	events := make([]syscall.EpollEvent, 64)
	for {
		var n int
		var werr error
		err := raw.Read(func(epfd uintptr) bool {
			for {
				n, werr = syscall.EpollWait(int(epfd), events, 0)
				if werr != syscall.EINTR {
					return n != 0 || werr != nil // or wait until the set has events
				}
			}
		})
		if err != nil || werr != nil {
			return
		}
		w.mu.Lock()
		for _, ev := range events[:n] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if gone := w.gone[id]; gone != nil {
				delete(w.gone, id)
				gone()
			}
		}
		w.closeIfIdle()
		w.mu.Unlock()
	}
}

// socketUnder returns the socket under c: c itself, or what wrappers such
// as crypto/tls expose through NetConn; nil if there is none.
func socketUnder(c net.Conn) syscall.Conn {
	for range 8 { // wrappers of wrappers, but never a cycle
		switch v := c.(type) {
		case syscall.Conn:
			return v
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}
