package demo

import (
	"encoding/json"
	"net/http"

	sselimit "github.com/sselimit/sselimit/core"
)

// Stats is the JSON answered at "/stats".
type Stats struct {
	Active     int64                      `json:"active"`       // streams holding a slot of the limiter
	MaxTotal   int                        `json:"max_total"`    // the global cap; 0 means none
	MaxPerUser int                        `json:"max_per_user"` // the per-user cap; 0 means none
	Users      map[string]int             `json:"users"`        // open streams by user; "ip:ADDR" for users known by address
	Refused    map[sselimit.Reason]uint64 `json:"refused"`      // refusals so far, by reason
	Draining   bool                       `json:"draining"`
}

// Stats reads the current counts.
func (a *App) Stats() Stats {
	st := a.Gate.Stats()
	return Stats{
		Active:     a.lim.ActiveConnections(),
		MaxTotal:   max(a.MaxTotal, 0),
		MaxPerUser: max(a.MaxPerUser, 0),
		Users:      a.Gate.ActiveByKey(),
		Refused:    st.Refused,
		Draining:   a.Gate.Draining(),
	}
}

func (a *App) serveStats(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(a.Stats())
}
