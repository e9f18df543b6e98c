package demo

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// Stats is the JSON answered at "/stats".
type Stats struct {
	// Active is the number of streams holding a slot: of this process, or
	// with -redis of every replica sharing the Redis (Scope "cluster").
	Active     int64  `json:"active"`
	Scope      string `json:"scope"`        // "process" or "cluster"
	MaxTotal   int    `json:"max_total"`    // the global cap; 0 means none
	MaxPerUser int    `json:"max_per_user"` // the per-user cap; 0 means none
	// Users are the open streams by user, in the same scope as Active;
	// "ip:ADDR" for users known by address. UserCaps has the cap of each
	// of them and of every user with a plan, 0 for none.
	Users    map[string]int             `json:"users"`
	UserCaps map[string]int             `json:"user_caps"`
	Refused  map[sselimit.Reason]uint64 `json:"refused"` // this process's refusals so far, by reason
	Draining bool                       `json:"draining"`
	// Error says why the cluster-wide counts could not be read; Active
	// and Users are then this process's, and Scope says "process".
	Error string `json:"error,omitempty"`
}

// Stats reads the current counts.
func (a *App) Stats(ctx context.Context) Stats {
	st := Stats{
		Scope:      "process",
		MaxTotal:   max(a.MaxTotal, 0),
		MaxPerUser: max(a.MaxPerUser, 0),
		Users:      a.Gate.ActiveByKey(),
		Refused:    a.Gate.Stats().Refused,
		Draining:   a.Gate.Draining(),
	}
	if a.cluster == nil {
		st.Active = a.local.ActiveConnections()
	} else if err := a.clusterCounts(ctx, &st); err != nil {
		st.Active, st.Error = int64(a.Gate.Stats().Active), err.Error()
	}
	st.UserCaps = make(map[string]int, len(st.Users)+len(a.Plans))
	for u := range st.Users {
		st.UserCaps[u] = st.MaxPerUser
	}
	maps.Copy(st.UserCaps, a.Plans)
	return st
}

// clusterCounts fills st with the counts of every replica.
func (a *App) clusterCounts(ctx context.Context, st *Stats) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	active, err := a.cluster.ActiveConnections(ctx)
	if err != nil {
		return err
	}
	users, err := a.cluster.Users(ctx)
	if err != nil {
		return err
	}
	st.Active, st.Scope = active, "cluster"
	st.Users = make(map[string]int, len(users))
	for k, n := range users {
		st.Users[sselimit.DisplayKey(k)] = int(n)
	}
	return nil
}

func (a *App) serveStats(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(a.Stats(r.Context()))
}
