package demo

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// ProxyHeader is the forwarding header an app believes, and only when the
// request comes from a trusted proxy: the address the proxy itself saw,
// which the proxy must set (not append to) from its peer's address.
const ProxyHeader = "X-Real-IP"

// Config is what the command line of an example app says.
type Config struct {
	Addr       string
	MaxTotal   int           // <= 0: no global cap
	MaxPerUser int           // <= 0: no per-user cap
	Heartbeat  time.Duration // the gate's heartbeat
	Tick       time.Duration // between two ticks of a stream
	// TrustedProxies are the proxies whose ProxyHeader is believed; with
	// none, a request's client address is its connection's peer.
	TrustedProxies []netip.Prefix
	// Redis is a redis:// URL: the caps are then counted in that Redis,
	// across every replica started with the same URL and caps.
	Redis    string
	LeaseTTL time.Duration // with Redis; 0: the Redis limiter's default
	// Plans are per-user caps that replace MaxPerUser for those users;
	// 0 means no per-user cap.
	Plans map[string]int
}

// RegisterFlags defines the flags shared by the example apps on fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", ":8080", "address to listen on")
	fs.IntVar(&c.MaxTotal, "max-total", 100, "streams open at once in total (0: no cap)")
	fs.IntVar(&c.MaxPerUser, "max-per-user", 3, "streams open at once per user (0: no cap)")
	fs.DurationVar(&c.Heartbeat, "heartbeat", sselimit.DefaultHeartbeat, "longest silence on a stream before a heartbeat comment")
	fs.DurationVar(&c.Tick, "tick", time.Second, "time between two ticks of a stream")
	fs.Var((*prefixList)(&c.TrustedProxies), "trusted-proxy",
		"CIDR or address of a proxy whose "+ProxyHeader+" header gives the client address (repeatable; none: no header is believed)")
	fs.StringVar(&c.Redis, "redis", "", "redis:// URL: count the caps in this Redis, shared by every replica started with it")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", 0, "with -redis: how long a crashed replica's slots stay taken (default 15s)")
	fs.Var((*planList)(&c.Plans), "plan", "user=N: N streams at once for this user instead of -max-per-user, 0 for no cap (repeatable)")
}

// Check reports the first flag value that cannot work.
func (c *Config) Check() error {
	switch {
	case c.Heartbeat <= 0:
		return errors.New("-heartbeat must be positive")
	case c.Tick <= 0:
		return errors.New("-tick must be positive")
	case c.LeaseTTL < 0:
		return errors.New("-lease-ttl must be positive")
	case c.LeaseTTL > 0 && c.Redis == "":
		return errors.New("-lease-ttl needs -redis")
	}
	return nil
}

// ParseFlags parses the command line into a Config; bad flags end the
// process with a message and exit status 2, as the flag package does.
func ParseFlags() Config {
	var c Config
	c.RegisterFlags(flag.CommandLine)
	flag.Parse()
	if err := c.Check(); err != nil {
		fmt.Fprintln(flag.CommandLine.Output(), err)
		flag.Usage()
		os.Exit(2)
	}
	return c
}

// TrustedCIDRs are the trusted proxies in CIDR notation.
func (c *Config) TrustedCIDRs() []string {
	s := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		s[i] = p.String()
	}
	return s
}

// TrustedNets are the trusted proxies as net.IPNet values.
func (c *Config) TrustedNets() []*net.IPNet {
	n := make([]*net.IPNet, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		n[i] = &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
	}
	return n
}

// prefixList is a repeatable flag of CIDRs; a bare address is a one-host
// prefix.
type prefixList []netip.Prefix

func (l *prefixList) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, p := range *l {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (l *prefixList) Set(s string) error {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil || a.Zone() != "" {
			return fmt.Errorf("%q is neither a CIDR nor an IP address", s)
		}
		a = a.Unmap()
		p = netip.PrefixFrom(a, a.BitLen())
	}
	*l = append(*l, p.Masked())
	return nil
}

// planList is a repeatable flag of user=N.
type planList map[string]int

func (l *planList) String() string {
	if l == nil || *l == nil {
		return ""
	}
	s := make([]string, 0, len(*l))
	for u, n := range *l {
		s = append(s, u+"="+strconv.Itoa(n))
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func (l *planList) Set(s string) error {
	user, n, ok := strings.Cut(s, "=")
	limit, err := strconv.Atoi(n)
	if !ok || user == "" || err != nil || limit < 0 {
		return fmt.Errorf("%q is not user=N with N a whole number of streams, 0 for no cap", s)
	}
	if _, dup := (*l)[user]; dup {
		return fmt.Errorf("%s has two plans", user)
	}
	if *l == nil {
		*l = make(planList)
	}
	(*l)[user] = limit
	return nil
}
