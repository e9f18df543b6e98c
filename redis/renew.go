package sselimitredis

import (
	"context"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// renewLoop renews the leases every renewal interval and retries the
// releases that could not reach Redis, until Close.
func (l *Limiter) renewLoop() {
	defer close(l.done)
	tick := time.NewTicker(l.cfg.renew)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			l.reloadTopology()
			l.renew()
			l.retryReleases()
		}
	}
}

// renew extends every held lease in one pipeline. A lease Redis lost is put
// back if the caps allow, or else lost. A lease that could not be renewed
// is lost once it might expire before the next round: its stream ends
// before Redis can hand its slot to another.
func (l *Limiter) renew() {
	// Held throughout, so no release can slip between the snapshot and
	// the round and see its lease put back.
	l.renewing.Lock()
	l.mu.Lock()
	held := make([]*lease, 0, len(l.leases))
	for le := range l.leases {
		held = append(held, le)
	}
	l.mu.Unlock()
	if len(held) == 0 {
		l.renewing.Unlock()
		return
	}
	sent := time.Now()
	cmds, _ := l.pipeline(context.Background(), l.cfg.renew, renewScript, held, l.renewArgs)
	l.renewing.Unlock()

	kept := make(map[*lease]bool, len(held))
	for i, b := range slices.Collect(slices.Chunk(held, l.cfg.batch)) {
		if i >= len(cmds) || cmds[i].Err() != nil {
			continue
		}
		lostIdx, _ := cmds[i].Int64Slice()
		for _, le := range b {
			kept[le] = true
		}
		for _, j := range lostIdx {
			if j >= 1 && int(j) <= len(b) {
				kept[b[j-1]] = false
			}
		}
	}
	deadline := sent.Add(l.cfg.renew)
	var lost []*lease
	l.mu.Lock()
	for _, le := range held {
		ok, answered := kept[le]
		switch {
		case le.gone:
		case ok:
			le.confirmed = sent
		case answered || !deadline.Before(le.confirmed.Add(l.cfg.ttl)):
			le.gone = true
			delete(l.leases, le)
			lost = append(lost, le)
		}
	}
	l.mu.Unlock()
	for _, le := range lost {
		if le.lost != nil {
			le.lost()
		}
	}
}

func (l *Limiter) renewArgs(b []*lease) ([]string, []any) {
	keys := make([]string, 1, 1+len(b))
	keys[0] = l.all
	args := make([]any, 0, 2+3*len(b))
	args = append(args, l.cfg.ttl.Milliseconds(), l.maxTotal)
	for _, le := range b {
		keys = append(keys, le.user)
		args = append(args, le.id, le.member, le.cap)
	}
	return keys, args
}

// retryReleases retries the releases that could not reach Redis, dropping
// those whose lease has expired by now anyway.
func (l *Limiter) retryReleases() {
	l.mu.Lock()
	now := time.Now()
	var retry []*lease
	for _, le := range l.pending {
		if now.Before(le.confirmed.Add(l.cfg.ttl)) {
			retry = append(retry, le)
		}
	}
	l.pending = nil
	l.mu.Unlock()
	if err := l.releaseAll(context.Background(), retry); err != nil {
		l.mu.Lock()
		l.pending = append(l.pending, retry...)
		l.mu.Unlock()
	}
}

// reloadTopology has a cluster client reload the cluster's topology after a
// failed call. go-redis does so by itself on a MOVED reply, but not when
// the master it routes to stopped answering: without this, calls would go
// to a master that failed over until the client's periodic reload.
func (l *Limiter) reloadTopology() {
	if cc, ok := l.rdb.(*redis.ClusterClient); ok && l.topologyStale.Swap(false) {
		cc.ReloadState(context.Background())
	}
}
