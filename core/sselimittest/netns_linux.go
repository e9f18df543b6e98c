package sselimittest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// privateNetwork marks a test process started by InPrivateNetwork; its
// value is the name of the test to run there.
const privateNetwork = "SSELIMITTEST_PRIVATE_NETWORK"

// The veth pair packets are redirected into: void is up but its peer is
// down, so void has no carrier and drops whatever it is given.
const void, voidPeer = "sselimit-void", "sselimit-void1"

// InPrivateNetwork runs fn as test t in a copy of the test process that
// has a network namespace of its own, where only the loopback is up:
// there Unplug can make a client vanish without touching the host's
// network. It needs root and the ip and tc commands of iproute2; without
// them, or on a kernel without veth, u32 and mirred, the test fails.
// Call it first thing in the test: the copy runs the test from the start.
func InPrivateNetwork(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	if os.Getenv(privateNetwork) == t.Name() {
		for _, args := range [][]string{
			{"ip", "link", "set", "lo", "up"},
			{"ip", "link", "add", void, "type", "veth", "peer", "name", voidPeer},
			{"ip", "link", "set", void, "up"},
			{"tc", "qdisc", "add", "dev", "lo", "clsact"},
		} {
			command(t, args...)
		}
		fn(t)
		return
	}
	args := []string{"-test.run=" + exactly(t.Name()), "-test.count=1", "-test.v"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout="+time.Until(d).String())
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), privateNetwork+"="+t.Name())
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s in a network namespace of its own: %v\n%s", t.Name(), err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS: "+t.Name()+" ")) {
		t.Fatalf("%s did not run in its network namespace:\n%s", t.Name(), out)
	}
	t.Logf("in a network namespace of its own:\n%s", out)
}

// exactly is the -test.run pattern matching the test named name only.
func exactly(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// Unplug makes the client at the local end of conn vanish, as a laptop
// whose lid closed does: from now on every packet to or from its port is
// dropped, so it sends nothing, neither a reset nor an acknowledgment,
// and receives nothing. It works inside InPrivateNetwork only.
func Unplug(t testing.TB, conn net.Conn) {
	t.Helper()
	if os.Getenv(privateNetwork) == "" {
		t.Fatal("sselimittest: Unplug works only inside InPrivateNetwork")
	}
	addr := conn.LocalAddr().(*net.TCPAddr)
	proto, match := "ip", "ip"
	if addr.IP.To4() == nil {
		proto, match = "ipv6", "ip6"
	}
	port := strconv.Itoa(addr.Port)
	for _, end := range []string{"sport", "dport"} {
		command(t, "tc", "filter", "add", "dev", "lo", "ingress", "protocol", proto, "prio", "1",
			"u32", "match", match, end, port, "0xffff", "action", "mirred", "egress", "redirect", "dev", void)
	}
}

func command(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
