//go:build !linux

package sselimitfiber

import "net"

// hangups watches nothing outside Linux: there a client that closes or
// resets its connection is found by a failed write, a heartbeat's at the
// latest, within two heartbeat intervals.
var hangups watcher

type watcher struct{}

func (*watcher) watch(net.Conn, func()) uint64 { return 0 }
func (*watcher) unwatch(net.Conn, uint64)      {}
