package sselimitecho

import (
	"errors"
	"net/http"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

func TestRefusalErrorIsSharedByItsRefusal(t *testing.T) {
	shared := &sselimit.Refusal{Status: http.StatusServiceUnavailable, Reason: sselimit.RefusedGlobalLimit, Err: sselimit.ErrTooManyConnections, RetryAfter: 3 * time.Second}
	e := refusalError(shared)
	if e.Code != http.StatusServiceUnavailable || e.Message != "too many streams, retry later" || e.Internal != error(shared) {
		t.Errorf("refusalError = %+v, want 503, the reason's message and the refusal as Internal", *e)
	}
	if again := refusalError(shared); again != e {
		t.Error("the same refusal got a new error, want the one made for it")
	}
	if allocs := testing.AllocsPerRun(100, func() { refusalError(shared) }); allocs != 0 {
		t.Errorf("answering a refusal seen before allocates %v times, want 0", allocs)
	}

	// Another refusal of the same kind, with a cause of its own, gets its
	// own error: Internal is always the refusal answered.
	wrapped := &sselimit.Refusal{Status: http.StatusServiceUnavailable, Reason: sselimit.RefusedGlobalLimit, Err: errors.New("backend"), RetryAfter: 3 * time.Second}
	if w := refusalError(wrapped); w == e || w.Internal != error(wrapped) || w.Code != e.Code || w.Message != e.Message {
		t.Errorf("refusalError(another refusal) = %+v, want a new error with it as Internal", *w)
	}
	if e := refusalError(shared); e.Internal != error(shared) {
		t.Errorf("refusalError(the first refusal again) has Internal %v, want it", e.Internal)
	}

	long := &sselimit.Refusal{Status: http.StatusTooManyRequests, Reason: sselimit.RefusedUserLimit, RetryAfter: time.Hour}
	if e := refusalError(long); e.Code != http.StatusTooManyRequests || e.Message != "too many streams for this user" || e.Internal != error(long) {
		t.Errorf("refusalError(a refusal with a 1h delay) = %+v", *e)
	}
}
