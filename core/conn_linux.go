package sselimit

import (
	"math"
	"syscall"
	"time"
)

// tcpUserTimeout is TCP_USER_TIMEOUT from linux/tcp.h, which package
// syscall does not name.
const tcpUserTimeout = 0x12

// setUserTimeout makes the kernel drop c once data sent on it stays
// unacknowledged for d.
func setUserTimeout(c syscall.Conn, d time.Duration) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	ms := int(min((d+time.Millisecond-1)/time.Millisecond, math.MaxInt32))
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, ms)
	}); err != nil {
		return err
	}
	return serr
}
