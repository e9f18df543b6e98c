package sselimit_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

type userKey struct{}

// The net/http adapter limiting streams per signed-in user, with a cap
// per plan, on a server that installs ConnContext so that clients that
// vanish without a word are found.
func ExampleMiddleware() {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(1000, 1)) // 1 per user unless the plan says more
	if err != nil {
		panic(err)
	}
	plans := map[string]int{"alice": 2}
	limit := sselimit.Middleware(gate,
		sselimit.WithKeyFunc(func(r *http.Request) (string, error) {
			return sselimit.KeyFromValue(r.Context().Value(userKey{}))
		}),
		sselimit.WithUserCap(func(r *http.Request) int {
			user, _ := r.Context().Value(userKey{}).(string)
			return plans[user]
		}),
	)
	auth := func(next http.Handler) http.Handler { // stands in for a real one
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := context.WithValue(r.Context(), userKey{}, r.URL.Query().Get("user"))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sselimit.StreamFromContext(r.Context())
		s.Send(sselimit.Event{Name: "hello", Data: s.Key()})
		<-s.Context().Done()
	})
	mux := http.NewServeMux()
	mux.Handle("GET /events", auth(limit(events)))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: mux, ConnContext: sselimit.ConnContext}
	go srv.Serve(ln)

	var open []*http.Response
	for _, user := range []string{"alice", "alice", "alice", "bob", "bob"} {
		resp, err := http.Get("http://" + ln.Addr().String() + "/events?user=" + user)
		if err != nil {
			panic(err)
		}
		if resp.StatusCode == http.StatusOK {
			hello, _ := bufio.NewReader(resp.Body).ReadString('\n')
			fmt.Print(user, ": ", resp.Status, ", ", hello)
			open = append(open, resp)
			continue
		}
		fmt.Println(user+":", resp.Status)
		resp.Body.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gate.Drain(ctx) // every stream gets its close frame
	srv.Shutdown(ctx)
	for _, resp := range open {
		resp.Body.Close()
	}
	// Output:
	// alice: 200 OK, event: hello
	// alice: 200 OK, event: hello
	// alice: 429 Too Many Requests
	// bob: 200 OK, event: hello
	// bob: 429 Too Many Requests
}
