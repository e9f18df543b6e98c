package sselimitredis_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitredis "github.com/sselimit/sselimit/redis"
)

// Every replica started this way counts its streams in one Redis: at most
// 1,000 streams in total, and 3 per user, across all of them.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{
		Addr:                  exampleRedisAddr,
		ContextTimeoutEnabled: true, // each call's timeout bounds reads and writes
	})
	defer client.Close()
	lim, err := sselimitredis.New(client, 1000, 3, sselimitredis.WithName("events"))
	if err != nil {
		log.Fatal(err)
	}
	defer lim.Close() // after draining the gate: releases what is left
	gate, err := sselimit.NewGate(lim)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /events", sselimit.Middleware(gate)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sselimit.StreamFromContext(r.Context())
		_ = s.Send(sselimit.Event{Name: "hello", Data: "world"})
	})))
	fmt.Println("ready")
	// Output: ready
}

// Counts are cluster-wide: every replica's streams, as Redis holds them.
func ExampleLimiter_Users() {
	client := redis.NewClient(&redis.Options{Addr: exampleRedisAddr, ContextTimeoutEnabled: true})
	defer client.Close()
	lim, err := sselimitredis.New(client, 10, 2, sselimitredis.WithName("counts"), sselimitredis.WithLeaseTTL(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer lim.Close()
	ctx := context.Background()
	for _, user := range []string{"alice", "alice", "alice", "bob"} {
		if _, err := lim.AcquireLease(ctx, user, 0, nil); err != nil {
			fmt.Println(user+":", err)
		}
	}
	total, _ := lim.ActiveConnections(ctx)
	users, _ := lim.Users(ctx)
	fmt.Println(total, users)
	// Output:
	// alice: too many SSE connections for user
	// 3 map[alice:2 bob:1]
}
