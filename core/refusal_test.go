package sselimit

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRetryAfterCoversItsRange(t *testing.T) {
	tests := []struct {
		base, jitter time.Duration
		lo, hi       int64 // whole seconds, both drawn
	}{
		{DefaultRetryAfter, DefaultRetryJitter, 2, 5},
		{time.Second, 0, 1, 1},
		{500 * time.Millisecond, 0, 1, 1},
		{1500 * time.Millisecond, 2 * time.Second, 2, 4},
		{2 * time.Second, 500 * time.Millisecond, 2, 3},
		{time.Millisecond, time.Second, 1, 2},
	}
	for _, tt := range tests {
		g, err := NewGate(NewSSELimiter(1, 1), WithRetryAfter(tt.base, tt.jitter))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]int{}
		for range 10_000 {
			d := g.retryAfter()
			if d%time.Second != 0 {
				t.Fatalf("base %v jitter %v: retryAfter() = %v, want whole seconds", tt.base, tt.jitter, d)
			}
			seen[int64(d/time.Second)]++
		}
		for s := range seen {
			if s < tt.lo || s > tt.hi {
				t.Errorf("base %v jitter %v: drew %ds, want %d..%ds", tt.base, tt.jitter, s, tt.lo, tt.hi)
			}
		}
		for s := tt.lo; s <= tt.hi; s++ {
			if seen[s] == 0 {
				t.Errorf("base %v jitter %v: %ds never drawn in 10,000 draws (%v), want every second in %d..%d", tt.base, tt.jitter, s, seen, tt.lo, tt.hi)
			}
		}
	}
}

// Over a real socket, a soft refusal's Retry-After and its close frame's
// retry_ms and retry: field name the same delay, and the delays seen cover
// the documented default range, base included.
func TestRefusalRetryAgreesOverHTTP(t *testing.T) {
	for _, soft := range []bool{false, true} {
		lim := NewSSELimiter(10, 1)
		holder, err := lim.Acquire("alice")
		if err != nil {
			t.Fatal(err)
		}
		opts := []Option{}
		if soft {
			opts = append(opts, WithSoftRefusal())
		}
		g, err := NewGate(lim, opts...)
		if err != nil {
			t.Fatal(err)
		}
		keyFunc := WithKeyFunc(func(r *http.Request) (string, error) { return r.Header.Get("X-User"), nil })
		srv := httptest.NewServer(Middleware(g, keyFunc)(http.NotFoundHandler()))
		seen := map[int]bool{}
		for range 200 {
			header, retryMS, retryField := refusedOver(t, srv.URL, soft)
			secs, err := strconv.Atoi(header)
			if err != nil {
				t.Fatalf("soft %t: Retry-After %q, want whole seconds", soft, header)
			}
			if soft && (retryMS != secs*1000 || retryField != secs*1000) {
				t.Fatalf("soft refusal: Retry-After %ds, close frame retry_ms %d and retry: %d, want all equal", secs, retryMS, retryField)
			}
			seen[secs] = true
		}
		srv.Close()
		holder()
		for s := range seen {
			if s < 2 || s > 5 {
				t.Errorf("soft %t: Retry-After %ds, want 2..5", soft, s)
			}
		}
		for s := 2; s <= 5; s++ {
			if !seen[s] {
				t.Errorf("soft %t: Retry-After %ds never seen in 200 refusals (%v), want every second in 2..5", soft, s, seen)
			}
		}
	}
}

// refusedOver requests url as alice, who is at her cap, and returns the
// Retry-After header and, for a soft refusal, the close frame's retry_ms
// and retry: field.
func refusedOver(t *testing.T, url string, soft bool) (header string, retryMS, retryField int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-User", "alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := http.StatusTooManyRequests
	if soft {
		want = http.StatusOK
	}
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, want, body)
	}
	header = resp.Header.Get("Retry-After")
	if !soft {
		return header, 0, 0
	}
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "data: "):
			var data struct {
				RetryMS int `json:"retry_ms"`
			}
			if err := json.Unmarshal([]byte(line[len("data: "):]), &data); err != nil {
				t.Fatalf("close frame data %q: %v", line, err)
			}
			retryMS = data.RetryMS
		case strings.HasPrefix(line, "retry: "):
			if retryField, err = strconv.Atoi(line[len("retry: "):]); err != nil {
				t.Fatalf("close frame %q: %v", line, err)
			}
		}
	}
	return header, retryMS, retryField
}

func TestRefusalsShared(t *testing.T) {
	lim := NewSSELimiter(10, 1)
	holder, err := lim.Acquire("alice")
	if err != nil {
		t.Fatal(err)
	}
	defer holder()
	g, err := NewGate(lim, WithRetryAfter(3*time.Second, 0))
	if err != nil {
		t.Fatal(err)
	}
	refuse := func() *Refusal {
		s, r := g.Admit(t.Context(), Identity{Key: "alice"})
		if s != nil || r == nil {
			t.Fatalf("Admit(alice at her cap) = (%v, %v), want a refusal", s, r)
		}
		return r
	}
	first := refuse()
	want := Refusal{Status: http.StatusTooManyRequests, Reason: RefusedUserLimit, Err: ErrTooManyConnectionsForUser, RetryAfter: 3 * time.Second}
	if *first != want {
		t.Errorf("refusal = %+v, want %+v", *first, want)
	}
	if again := refuse(); again != first {
		t.Errorf("a second refusal of the same kind is a new value, want the shared one")
	}
	if allocs := testing.AllocsPerRun(100, func() { refuse() }); allocs != 0 {
		t.Errorf("a refusal at the user's cap allocates %v times, want 0", allocs)
	}

	// A cause other than the reason's own error is kept: such refusals are not shared.
	wrapped := fmt.Errorf("backend: %w", ErrTooManyConnections)
	r1 := g.refuse("k", RefusedGlobalLimit, wrapped)
	r2 := g.refuse("k", RefusedGlobalLimit, wrapped)
	if r1 == r2 || r1.Err != wrapped || r1.Status != http.StatusServiceUnavailable {
		t.Errorf("refusals with a wrapped cause: shared %t, Err %v, Status %d; want fresh ones with Err %v and 503", r1 == r2, r1.Err, r1.Status, wrapped)
	}
}

func TestSharedRefusalsKeepTheirDelay(t *testing.T) {
	// Every delay drawn gets its own shared refusal, matching the header.
	g, err := NewGate(NewSSELimiter(1, 1), WithRetryAfter(time.Second, 5*time.Second), WithSoftRefusal())
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		r := g.refuse("k", RefusedGlobalLimit, ErrTooManyConnections)
		if !r.Soft || r.Status != http.StatusServiceUnavailable || r.Err != ErrTooManyConnections {
			t.Fatalf("refusal = %+v, want a soft 503 for the global cap", *r)
		}
		if got, want := r.RetryAfterHeader(), strconv.Itoa(int(r.RetryAfter/time.Second)); got != want || r.RetryAfter%time.Second != 0 {
			t.Fatalf("RetryAfter %v, header %q; want whole seconds, header %q", r.RetryAfter, got, want)
		}
	}
}

func TestAddressRefusalBuildsNoKey(t *testing.T) {
	lim := NewSSELimiter(10, 1)
	holder, err := lim.Acquire(IPKey("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer holder()
	g, err := NewGate(lim)
	if err != nil {
		t.Fatal(err)
	}
	id := Identity{ByIP: true, IP: "192.0.2.1"}
	if allocs := testing.AllocsPerRun(100, func() {
		if s, r := g.Admit(t.Context(), id); s != nil || r == nil || r.Reason != RefusedUserLimit {
			t.Fatalf("Admit(an address at its cap) = (%v, %v), want a refusal for the user's cap", s, r)
		}
	}); allocs != 0 {
		t.Errorf("refusing an address at its cap allocates %v times, want 0", allocs)
	}

	// A hook still gets the address's key.
	var got []string
	g, err = NewGate(lim, WithHooks(Hooks{OnRefuse: func(key string, why Reason) { got = append(got, key+" "+string(why)) }}))
	if err != nil {
		t.Fatal(err)
	}
	if _, r := g.Admit(t.Context(), id); r == nil {
		t.Fatal("Admit(an address at its cap) admitted")
	}
	if want := "ip:192.0.2.1 user_limit"; len(got) != 1 || got[0] != want {
		t.Errorf("OnRefuse calls %q, want [%q]", got, want)
	}
}

func TestSetHeadersRetryAfter(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 1500 * time.Millisecond, 3 * time.Second, 63 * time.Second, 64 * time.Second, time.Hour} {
		r := &Refusal{Status: http.StatusServiceUnavailable, RetryAfter: d}
		h := http.Header{}
		r.SetHeaders(h)
		if got, want := h.Get("Retry-After"), r.RetryAfterHeader(); got != want {
			t.Errorf("SetHeaders for %v: Retry-After %q, want %q", d, got, want)
		}
		// Adding to the header leaves the next response's value alone.
		h.Add("Retry-After", "99")
		next := http.Header{}
		r.SetHeaders(next)
		want := []string{r.RetryAfterHeader()}
		if d == 0 {
			want = nil
		}
		if got := next.Values("Retry-After"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("SetHeaders for %v after an Add on another response: Retry-After %q, want %q", d, got, want)
		}
	}
	r := &Refusal{Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second}
	h := http.Header{}
	if allocs := testing.AllocsPerRun(100, func() { clear(h); r.SetHeaders(h) }); allocs != 0 {
		t.Errorf("SetHeaders of a 3s Retry-After allocates %v times, want 0", allocs)
	}
}

// Every refusal reason has its index, status and own error in step with
// refusalReasons.
func TestRefusalIndex(t *testing.T) {
	statuses := map[Reason]int{
		RefusedUserLimit: http.StatusTooManyRequests, RefusedGlobalLimit: http.StatusServiceUnavailable,
		RefusedDraining: http.StatusServiceUnavailable, RefusedNoIdentity: http.StatusUnauthorized,
		RefusedBadIdentity: http.StatusBadRequest, RefusedUnavailable: http.StatusServiceUnavailable,
	}
	errs := map[Reason]error{
		RefusedUserLimit: ErrTooManyConnectionsForUser, RefusedGlobalLimit: ErrTooManyConnections,
		RefusedDraining: ErrDraining, RefusedNoIdentity: ErrNoIdentity, RefusedBadIdentity: ErrInvalidIdentity,
	}
	if len(statuses) != len(refusalReasons) {
		t.Fatalf("%d reasons here, %d in refusalReasons", len(statuses), len(refusalReasons))
	}
	for why, status := range statuses {
		i := refusalIndex(why)
		if got := refusalReasons[i]; got != why {
			t.Errorf("refusalReasons[refusalIndex(%q)] = %q", why, got)
		}
		if got := refusalStatuses[i]; got != status {
			t.Errorf("status of %q = %d, want %d", why, got, status)
		}
		if got := refusalErrs[i]; got != errs[why] {
			t.Errorf("own error of %q = %v, want %v", why, got, errs[why])
		}
	}
}

func TestRefusalReasonsAreEveryRefusal(t *testing.T) {
	want := []Reason{RefusedUserLimit, RefusedGlobalLimit, RefusedDraining, RefusedNoIdentity, RefusedBadIdentity, RefusedUnavailable}
	got := RefusalReasons()
	if !slices.Equal(got, want) {
		t.Fatalf("RefusalReasons() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if again := RefusalReasons(); !slices.Equal(again, want) {
		t.Errorf("RefusalReasons() after its result was changed = %v, want %v", again, want)
	}
}
