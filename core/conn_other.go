//go:build !linux

package sselimit

import (
	"syscall"
	"time"
)

// setUserTimeout does nothing: the option exists on Linux only.
func setUserTimeout(syscall.Conn, time.Duration) error { return nil }
