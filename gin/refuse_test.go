package sselimitgin

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	sselimit "github.com/sselimit/sselimit/core"
)

// The default refusal, with its body marshalled once, answers what
// Retry-After and c.AbortWithStatusJSON(status, gin.H{"error": message})
// would: the same status, headers and body.
func TestRefusalAnswersAsAbortWithStatusJSON(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	reasons := []sselimit.Reason{
		sselimit.RefusedUserLimit, sselimit.RefusedGlobalLimit, sselimit.RefusedDraining,
		sselimit.RefusedNoIdentity, sselimit.RefusedBadIdentity, sselimit.RefusedUnavailable,
	}
	statuses := []int{429, 503, 503, 401, 400, 503}
	for i, reason := range reasons {
		r := &sselimit.Refusal{Status: statuses[i], Reason: reason}
		if r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable {
			r.RetryAfter = 3 * time.Second
		}
		for _, presetType := range []string{"", "application/problem+json"} {
			answer := func(handler gin.HandlerFunc) *httptest.ResponseRecorder {
				engine := gin.New()
				engine.GET("/", func(c *gin.Context) {
					if presetType != "" {
						c.Header("Content-Type", presetType)
					}
					handler(c)
					if !c.IsAborted() {
						t.Errorf("%s: the chain is not aborted", reason)
					}
				})
				w := httptest.NewRecorder()
				engine.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
				return w
			}
			got := answer(func(c *gin.Context) { refuse(c, r) })
			want := answer(func(c *gin.Context) {
				if v := r.RetryAfterHeader(); v != "" {
					c.Header("Retry-After", v)
				}
				c.AbortWithStatusJSON(r.Status, gin.H{"error": r.Message()})
			})
			if got.Code != want.Code || got.Body.String() != want.Body.String() {
				t.Errorf("%s: got %d %q, want %d %q", reason, got.Code, got.Body, want.Code, want.Body)
			}
			for name := range want.Header() {
				if g, w := got.Header().Values(name), want.Header().Values(name); len(g) != 1 || len(w) != 1 || g[0] != w[0] {
					t.Errorf("%s, Content-Type preset %q: header %s is %q, want %q", reason, presetType, name, g, w)
				}
			}
			if len(got.Header()) != len(want.Header()) {
				t.Errorf("%s: headers %v, want %v", reason, got.Header(), want.Header())
			}
		}
	}
}
