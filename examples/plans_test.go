package examples_test

import (
	"maps"
	"net/http"
	"testing"
)

func TestGinPlans(t *testing.T)   { testPlans(t, "gin") }
func TestEchoPlans(t *testing.T)  { testPlans(t, "echo") }
func TestFiberPlans(t *testing.T) { testPlans(t, "fiber") }

// testPlans checks -plan: a user's plan replaces -max-per-user for that
// user, 0 means no per-user cap, and the global cap holds for everyone.
func testPlans(t *testing.T, name string) {
	srv := startApp(t, buildApp(t, name), "-addr", "127.0.0.1:0",
		"-max-total", "6", "-max-per-user", "1", "-plan", "pro=3", "-plan", "staff=0")
	for i, c := range []struct {
		user string
		want int
	}{
		{"pro", http.StatusOK}, {"pro", http.StatusOK}, {"pro", http.StatusOK},
		{"pro", http.StatusTooManyRequests},
		{"free", http.StatusOK}, {"free", http.StatusTooManyRequests},
		{"staff", http.StatusOK}, {"staff", http.StatusOK},
		{"staff", http.StatusServiceUnavailable}, // the global cap, 6
	} {
		if res := openEvents(t, srv.url+"/events?user="+c.user, "127.0.0.1"); res.StatusCode != c.want {
			t.Errorf("request %d, as %s: %s, want %d", i+1, c.user, res.Status, c.want)
		}
	}
	st := srv.stats(t)
	if want := map[string]int{"pro": 3, "free": 1, "staff": 2}; !maps.Equal(st.Users, want) {
		t.Errorf("/stats users %v, want %v", st.Users, want)
	}
	if want := map[string]int{"pro": 3, "free": 1, "staff": 0}; !maps.Equal(st.UserCaps, want) {
		t.Errorf("/stats user_caps %v, want %v", st.UserCaps, want)
	}
}
