package sselimit

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest key, in bytes, a key function may return.
const MaxKeyLen = 256

// ipPrefix starts every key made from a client address. It holds a control
// character, which user keys may not, so the two namespaces never meet.
const ipPrefix = "\x00ip:"

// EmptyKeyPolicy says what a gate does when a key function returns "".
type EmptyKeyPolicy int

const (
	// RefuseEmptyKey answers 401: a missing identity usually means an auth
	// middleware did not run.
	RefuseEmptyKey EmptyKeyPolicy = iota
	// FallbackToIP limits the request by its client address instead.
	FallbackToIP
)

// Identity is what an adapter knows of a request's origin.
type Identity struct {
	// ByIP is set when no key function is configured: the client address
	// is the identity.
	ByIP bool
	// Key and KeyErr are what the key function returned (when ByIP is
	// false). A KeyErr refuses the request with 401.
	Key    string
	KeyErr error
	// IP is the client address as the framework resolves it.
	IP string
	// UserCap is this request's per-user cap, from the adapter's UserCap
	// option: 0 the limiter's own, > 0 that many streams, NoUserCap none.
	// A limiter that is not a CapLimiter or LeaseLimiter refuses a request
	// with a UserCap other than 0 as a limiter failure.
	UserCap int
	// Route is the route the request matched, which Snapshot shows: the
	// router's pattern where the framework has one, else the path.
	Route string
}

// IPKey is the limiter key of requests limited by client address, as passed
// to the Limiter and reported by SSELimiter.ActiveForUser.
func IPKey(ip string) string { return ipPrefix + ip }

// DisplayKey turns a limiter key into its printable form: a user key as it
// is, an address key as "ip:" and the address. Printed, a user key that
// itself starts with "ip:" looks like an address key; the limiter keeps the
// two apart all the same.
func DisplayKey(key string) string {
	if strings.HasPrefix(key, ipPrefix) {
		return key[1:]
	}
	return key
}

// limiterKey resolves id into the limiter's key, prefix+name (prefix is
// empty but for address keys), or a refusal's reason and error.
func (g *Gate) limiterKey(id Identity) (prefix, name string, why Reason, err error) {
	switch {
	case id.KeyErr != nil:
		return "", "", RefusedNoIdentity, id.KeyErr
	case id.ByIP || (id.Key == "" && g.cfg.emptyKey == FallbackToIP):
		if !validKey(id.IP) {
			return "", "", RefusedBadIdentity, ErrInvalidIdentity
		}
		return ipPrefix, id.IP, "", nil
	case id.Key == "":
		return "", "", RefusedNoIdentity, ErrNoIdentity
	case !validKey(id.Key):
		return "", "", RefusedBadIdentity, ErrInvalidIdentity
	}
	return "", id.Key, "", nil
}

// validKey reports whether k is non-empty, at most MaxKeyLen bytes, valid
// UTF-8 and free of control characters (C0, DEL and C1). ASCII keys, the
// usual case, take one pass over the bytes, eight at a time.
func validKey(k string) bool {
	if k == "" || len(k) > MaxKeyLen {
		return false
	}
	i := 0
	for i+8 <= len(k) && printableASCII(k[i:i+8]) {
		i += 8
	}
	for ; i < len(k); i++ {
		switch c := k[i]; {
		case c >= utf8.RuneSelf:
			rest := k[i:]
			return utf8.ValidString(rest) && !strings.ContainsFunc(rest, isControl)
		case c < 0x20 || c == 0x7f:
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

// printableASCII reports whether the eight bytes of b are all printable
// ASCII (0x20 to 0x7e), testing them as one word: it finds any byte with
// its high bit set, below 0x20, or equal to 0x7f (a zero byte of w^0x7f…).
func printableASCII(b string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	_ = b[7] // one bounds check, so that the loads combine into one
	w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	del := w ^ 0x7f*ones
	return (w|(w-0x20*ones)&^w|(del-ones)&^del)&highs == 0
}

// KeyFromValue turns what an auth middleware stored in a framework's
// context into a key: a string as it is, a fmt.Stringer by its String. nil
// gives "", which the gate's empty-key policy answers; any other type is
// an error, which refuses the request with 401.
func KeyFromValue(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case fmt.Stringer:
		return v.String(), nil
	}
	return "", fmt.Errorf("sselimit: identity value is a %T, want a string or a fmt.Stringer", v)
}
