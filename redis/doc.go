// Package sselimitredis caps concurrent Server-Sent-Events streams across
// every replica of a service, in total and per user, with the counts kept
// in Redis (6.2 or later): a single node, Sentinel or Redis Cluster,
// through any go-redis v9 UniversalClient.
//
// A Limiter is an sselimit.LeaseLimiter: build a gate on it with
// sselimit.NewGate and use the gate through any sselimit adapter, exactly
// as with the in-process limiter.
//
// Each admission is one Lua script call that checks the user's cap, then
// the global one, and records a lease, all by Redis's own clock: the
// replicas' clocks never decide when a lease expires. A refusal writes
// nothing. All of one limiter's keys share a hash tag, so the scripts are
// legal on Redis Cluster, and limiters with different names (WithName)
// share a Redis without sharing a count.
//
// Each replica renews its leases in batches, all in one pipeline per
// renewal interval, however many streams it holds. A replica that crashes
// stops renewing: its slots free once its leases expire (WithLeaseTTL,
// default 15s). Close releases every lease at once.
//
// When Redis loses a lease (a restart without persistence, a failover,
// FLUSHALL), the next renewal puts it back if the caps still have room;
// if not, or if renewal keeps failing until the lease might expire, the
// stream's gate is told the lease is lost and the stream ends with the
// close reason "lease_lost".
//
// When Redis cannot be reached, admission fails closed (the gate answers
// 503), unless a fallback limiter is set (WithFallback) or the gate fails
// open (sselimit.WithFailOpen). Every call is bounded by a timeout, and a
// circuit breaker stops calling a Redis that keeps failing, probing it now
// and then to come back.
package sselimitredis
