package sselimittest

import (
	"crypto/tls"
	"net"
	"syscall"
	"testing"
)

// tcpUserTimeout is TCP_USER_TIMEOUT, which package syscall does not name.
const tcpUserTimeout = 0x12

// UserTimeout reads TCP_USER_TIMEOUT, in milliseconds, from the TCP
// connection under c (a *net.TCPConn or a *tls.Conn over one): how long
// its data may stay unacknowledged before the kernel drops it, 0 for the
// kernel's default.
func UserTimeout(t testing.TB, c net.Conn) int {
	t.Helper()
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	tcp, ok := c.(*net.TCPConn)
	if !ok {
		t.Fatalf("UserTimeout: %T is not a TCP connection", c)
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ms int
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		ms, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout)
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatalf("getsockopt TCP_USER_TIMEOUT: %v", gerr)
	}
	return ms
}
