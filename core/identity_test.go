package sselimit

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"alice", true},
		{"user@example.com", true},
		{"名前", true},
		{strings.Repeat("a", MaxKeyLen), true},
		{strings.Repeat("a", MaxKeyLen+1), false},
		{"", false},
		{"a\tb", false},
		{"a\nb", false},
		{"a\x00b", false},
		{"a\x7fb", false},
		{"a\u0085b", false},
		{"a\xffb", false},
	} {
		if got := validKey(tc.key); got != tc.want {
			t.Errorf("validKey(%q): got %v, want %v", tc.key, got, tc.want)
		}
	}
}

// validKey, which tests eight bytes at a time, agrees with a check of one
// rune at a time on every byte value at every position of a word and of
// the tail after it.
func TestValidKeyEightBytesAtATime(t *testing.T) {
	byRune := func(k string) bool {
		return k != "" && len(k) <= MaxKeyLen && utf8.ValidString(k) && !strings.ContainsFunc(k, isControl)
	}
	base := []byte("user-0123456789ab") // two words and one byte
	for i := range base {
		for c := range 256 {
			key := []byte(string(base))
			key[i] = byte(c)
			for _, k := range []string{string(key), string(key) + "é", string(key[:i+1])} {
				if got, want := validKey(k), byRune(k); got != want {
					t.Fatalf("validKey(%q) = %v, want %v", k, got, want)
				}
			}
		}
	}
}

func TestLimiterKey(t *testing.T) {
	refuse, _ := NewGate(NewSSELimiter(0, 0))
	fallback, _ := NewGate(NewSSELimiter(0, 0), WithEmptyKey(FallbackToIP))
	keyErr := errors.New("token expired")
	for _, tc := range []struct {
		name    string
		g       *Gate
		id      Identity
		wantKey string
		wantWhy Reason
		wantErr error
	}{
		{"by address", refuse, Identity{ByIP: true, IP: "10.1.2.3"}, IPKey("10.1.2.3"), "", nil},
		{"user", refuse, Identity{Key: "alice", IP: "10.1.2.3"}, "alice", "", nil},
		{"empty refused", refuse, Identity{IP: "10.1.2.3"}, "", RefusedNoIdentity, ErrNoIdentity},
		{"empty falls back", fallback, Identity{IP: "10.1.2.3"}, IPKey("10.1.2.3"), "", nil},
		{"key function error", fallback, Identity{KeyErr: keyErr, IP: "10.1.2.3"}, "", RefusedNoIdentity, keyErr},
		{"too long", refuse, Identity{Key: strings.Repeat("x", 300)}, "", RefusedBadIdentity, ErrInvalidIdentity},
		{"forged address namespace", refuse, Identity{Key: IPKey("10.1.2.3")}, "", RefusedBadIdentity, ErrInvalidIdentity},
		{"no address", refuse, Identity{ByIP: true}, "", RefusedBadIdentity, ErrInvalidIdentity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix, name, why, err := tc.g.limiterKey(tc.id)
			if key := prefix + name; key != tc.wantKey || why != tc.wantWhy || err != tc.wantErr {
				t.Errorf("limiterKey(%+v): got (%q, %q, %v), want (%q, %q, %v)", tc.id, prefix+name, why, err, tc.wantKey, tc.wantWhy, tc.wantErr)
			}
		})
	}
}

func TestDisplayKey(t *testing.T) {
	for key, want := range map[string]string{IPKey("::1"): "ip:::1", "alice": "alice", "ip:1.2.3.4": "ip:1.2.3.4"} {
		if got := DisplayKey(key); got != want {
			t.Errorf("DisplayKey(%q): got %q, want %q", key, got, want)
		}
	}
}

type userID int

func (u userID) String() string { return "user-" + string(rune('0'+u)) }

func TestKeyFromValue(t *testing.T) {
	for _, tc := range []struct {
		v       any
		want    string
		wantErr bool
	}{
		{nil, "", false},
		{"alice", "alice", false},
		{userID(7), "user-7", false},
		{42, "", true},
		{[]byte("alice"), "", true},
	} {
		got, err := KeyFromValue(tc.v)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("KeyFromValue(%#v): got (%q, %v), want (%q, error %v)", tc.v, got, err, tc.want, tc.wantErr)
		}
	}
}
