package sselimit_test

import (
	"errors"
	"fmt"

	sselimit "github.com/sselimit/sselimit/core"
)

func ExampleNewSSELimiter() {
	// At most 100 streams in all, and 3 per user.
	limiter := sselimit.NewSSELimiter(100, 3)

	release, err := limiter.Acquire("alice")
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	defer release() // when the stream ends

	fmt.Println("total:", limiter.ActiveConnections())
	fmt.Println("alice:", limiter.ActiveForUser("alice"))
	fmt.Println("bob:", limiter.ActiveForUser("bob"))
	// Output:
	// total: 1
	// alice: 1
	// bob: 0
}

func ExampleSSELimiter_Acquire() {
	limiter := sselimit.NewSSELimiter(2, 1)

	for _, user := range []string{"alice", "alice", "bob", "carol"} {
		release, err := limiter.Acquire(user)
		switch {
		case errors.Is(err, sselimit.ErrTooManyConnectionsForUser):
			fmt.Println(user, "refused:", err) // e.g. 429 Too Many Requests
		case errors.Is(err, sselimit.ErrTooManyConnections):
			fmt.Println(user, "refused:", err) // e.g. 503 Service Unavailable
		default:
			fmt.Println(user, "admitted")
			defer release()
		}
	}
	// Output:
	// alice admitted
	// alice refused: too many SSE connections for user
	// bob admitted
	// carol refused: too many SSE connections
}

func ExampleSSELimiter_ActiveForUser() {
	limiter := sselimit.NewSSELimiter(0, 0) // no caps: counting only

	release, _ := limiter.Acquire("alice")
	fmt.Println(limiter.ActiveForUser("alice"))
	release()
	release() // idempotent: only the first call gives the slot back
	fmt.Println(limiter.ActiveForUser("alice"), limiter.ActiveConnections())
	// Output:
	// 1
	// 0 0
}
