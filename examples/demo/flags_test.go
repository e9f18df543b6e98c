package demo

import (
	"flag"
	"io"
	"slices"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

func parse(args ...string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Check()
}

func TestTrustedProxyFlag(t *testing.T) {
	c, err := parse("-trusted-proxy", "10.1.2.3/8", "-trusted-proxy", "127.0.0.1", "-trusted-proxy", "::ffff:192.0.2.1", "-trusted-proxy", "fd00::/64")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "127.0.0.1/32", "192.0.2.1/32", "fd00::/64"}
	if got := c.TrustedCIDRs(); !slices.Equal(got, want) {
		t.Errorf("TrustedCIDRs() = %q, want %q", got, want)
	}
	nets := c.TrustedNets()
	if len(nets) != len(want) {
		t.Fatalf("TrustedNets() has %d nets, want %d", len(nets), len(want))
	}
	for i, n := range nets {
		if n.String() != want[i] {
			t.Errorf("TrustedNets()[%d] = %s, want %s", i, n, want[i])
		}
	}
}

func TestNoTrustedProxy(t *testing.T) {
	c, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedCIDRs()) != 0 || len(c.TrustedNets()) != 0 {
		t.Errorf("without -trusted-proxy: CIDRs %q, nets %v; want none", c.TrustedCIDRs(), c.TrustedNets())
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-trusted-proxy", "10.0.0.0/33"},
		{"-trusted-proxy", "proxy.example"},
		{"-trusted-proxy", "fe80::1%eth0"},
		{"-trusted-proxy", ""},
		{"-heartbeat", "0s"},
		{"-tick", "-1s"},
		{"-plan", "pro"},
		{"-plan", "=3"},
		{"-plan", "pro=-1"},
		{"-plan", "pro=x"},
		{"-plan", "pro=2", "-plan", "pro=3"},
		{"-lease-ttl", "5s"},
		{"-lease-ttl", "-5s", "-redis", "redis://127.0.0.1:6379"},
	} {
		if _, err := parse(args...); err == nil {
			t.Errorf("%q parsed without an error", args)
		}
	}
}

func TestResumeAfter(t *testing.T) {
	for _, c := range []struct {
		id   string
		want int64
	}{
		{"", 0}, {"7", 7}, {"0", 0}, {"-3", 0}, {"x", 0}, {"1e3", 0}, {"99999999999", 0},
	} {
		if got := resumeAfter(c.id); got != c.want {
			t.Errorf("resumeAfter(%q) = %d, want %d", c.id, got, c.want)
		}
	}
	if got := LastEventID("5", "9"); got != "5" {
		t.Errorf("LastEventID(header 5, query 9) = %q, want the header's", got)
	}
	if got := LastEventID("", "9"); got != "9" {
		t.Errorf("LastEventID(no header, query 9) = %q, want the query's", got)
	}
}

func TestPlanFlag(t *testing.T) {
	c, err := parse("-plan", "pro=5", "-plan", "staff=0", "-plan", "a=b=1")
	if err == nil {
		t.Fatalf("-plan a=b=1 parsed; plans %v", c.Plans)
	}
	c, err = parse("-plan", "pro=5", "-plan", "staff=0", "-max-per-user", "2")
	if err != nil {
		t.Fatal(err)
	}
	a := &App{Config: c}
	for _, tc := range []struct {
		user string
		want int
	}{{"pro", 5}, {"staff", sselimit.NoUserCap}, {"free", 0}, {"", 0}} {
		if got := a.UserCap(tc.user); got != tc.want {
			t.Errorf("UserCap(%q) = %d, want %d", tc.user, got, tc.want)
		}
	}
}
