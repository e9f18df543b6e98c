package sselimitredis

import (
	"context"
	"encoding/hex"
	"fmt"

	sselimit "github.com/sselimit/sselimit/core"
)

// The gate and the exporters find these through interfaces: a change of
// signature must not silently turn them off.
var (
	_ sselimit.LeaseLimiter   = (*Limiter)(nil)
	_ sselimit.UserCounter    = (*Limiter)(nil)
	_ sselimit.ClusterCounter = (*Limiter)(nil)
)

// ActiveConnections returns the number of live leases across every replica.
func (l *Limiter) ActiveConnections(ctx context.Context) (int64, error) {
	return l.count(ctx, l.all)
}

// ActiveForUser returns the number of key's live leases across every
// replica. It creates nothing.
func (l *Limiter) ActiveForUser(ctx context.Context, key string) (int64, error) {
	return l.count(ctx, l.userKey(key))
}

func (l *Limiter) count(ctx context.Context, set string) (int64, error) {
	n, err := l.call(ctx, l.cfg.timeout, func(ctx context.Context) (any, error) {
		return countScript.Run(ctx, l.rdb, []string{set}).Int64()
	})
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return n.(int64), nil
}

// Users returns the live leases of each user across every replica, in one
// call: one entry per user holding at least one. Its cost grows with the
// number of live leases.
func (l *Limiter) Users(ctx context.Context) (map[string]int64, error) {
	res, err := l.call(ctx, l.cfg.timeout, func(ctx context.Context) (any, error) {
		return listScript.Run(ctx, l.rdb, []string{l.all}).StringSlice()
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	users := make(map[string]int64)
	for _, member := range res.([]string) {
		key, err := hex.DecodeString(member[min(idLen, len(member)):])
		if err != nil || len(member) < idLen {
			return nil, fmt.Errorf("sselimitredis: malformed lease %q", member)
		}
		users[string(key)]++
	}
	return users, nil
}
