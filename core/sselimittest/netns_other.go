//go:build !linux

package sselimittest

import (
	"net"
	"testing"
)

// InPrivateNetwork fails t: network namespaces exist on Linux only.
func InPrivateNetwork(t *testing.T, _ func(t *testing.T)) {
	t.Helper()
	t.Fatal("sselimittest: InPrivateNetwork needs Linux network namespaces")
}

// Unplug fails t: it works only inside InPrivateNetwork.
func Unplug(t testing.TB, _ net.Conn) {
	t.Helper()
	t.Fatal("sselimittest: Unplug works only inside InPrivateNetwork")
}
