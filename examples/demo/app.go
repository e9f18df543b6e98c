package demo

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitprom "github.com/sselimit/sselimit/prometheus"
	sselimitredis "github.com/sselimit/sselimit/redis"
)

// App is the limiter and gate of an example app, made from its Config,
// with the handlers every app serves the same way.
type App struct {
	Config
	Gate    *sselimit.Gate
	local   *sselimit.SSELimiter   // without -redis
	cluster *sselimitredis.Limiter // with -redis
	metrics *prometheus.Registry
}

// New makes the limiter and gate that cfg describes: in process, or in
// the Redis that cfg.Redis names, which must answer. A request without a
// user is limited by its client address.
func New(cfg Config) (*App, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg}
	var lim sselimit.Limiter
	if cfg.Redis == "" {
		a.local = sselimit.NewSSELimiter(cfg.MaxTotal, cfg.MaxPerUser)
		lim = a.local
	} else {
		var err error
		if a.cluster, err = newRedisLimiter(cfg); err != nil {
			return nil, err
		}
		lim = a.cluster
	}
	gate, err := sselimit.NewGate(lim,
		sselimit.WithEmptyKey(sselimit.FallbackToIP),
		sselimit.WithHeartbeat(cfg.Heartbeat),
	)
	if err != nil {
		a.close()
		return nil, err
	}
	a.Gate = gate
	a.metrics = prometheus.NewRegistry()
	if err := a.metrics.Register(sselimitprom.NewCollector(gate)); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

func newRedisLimiter(cfg Config) (*sselimitredis.Limiter, error) {
	opt, err := redis.ParseURL(cfg.Redis)
	if err != nil {
		return nil, fmt.Errorf("-redis: %w", err)
	}
	// The limiter bounds each call with a short context deadline, which
	// go-redis honours on reads and writes only with this set.
	opt.ContextTimeoutEnabled = true
	client := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("-redis %s: %w", cfg.Redis, err)
	}
	var opts []sselimitredis.Option
	if cfg.LeaseTTL > 0 {
		opts = append(opts, sselimitredis.WithLeaseTTL(cfg.LeaseTTL))
	}
	lim, err := sselimitredis.New(client, cfg.MaxTotal, cfg.MaxPerUser, opts...)
	if err != nil {
		client.Close()
		return nil, err
	}
	return lim, nil
}

// close gives back what New took: the Redis limiter releases its leases.
func (a *App) close() {
	if a.cluster != nil {
		a.cluster.Close()
	}
}

// UserCap is the per-user cap of user for the gate: its plan, or 0 for
// the limiter's own cap.
func (a *App) UserCap(user string) int {
	n, ok := a.Plans[user]
	switch {
	case !ok:
		return 0
	case n == 0:
		return sselimit.NoUserCap
	}
	return n
}

// A Route is a GET route served by a plain net/http handler.
type Route struct {
	Path    string
	Handler http.Handler
}

// Routes are the GET routes every app serves besides /events: the page,
// the counts as JSON, the metrics in the Prometheus text format, and the
// open streams. /debug/streams shows user keys and client addresses: a
// real app keeps it behind its operators' authentication.
func (a *App) Routes() []Route {
	return []Route{
		{"/", http.HandlerFunc(servePage)},
		{"/stats", http.HandlerFunc(a.serveStats)},
		{"/metrics", promhttp.HandlerFor(a.metrics, promhttp.HandlerOpts{})},
		{"/debug/streams", sselimit.DebugHandler(a.Gate)},
	}
}

// NotGET are the methods /events answers with MethodNotAllowed. HEAD is
// one of them: the answer to a GET is a stream that holds a slot, so a
// HEAD could only run the admission for nothing or guess its outcome.
var NotGET = []string{
	http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
}

// MethodNotAllowed answers 405 with "Allow: GET", without asking the
// limiter: no slot is taken and no refusal is counted.
func MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodGet)
	http.Error(w, "405 method not allowed: "+r.URL.Path+" answers GET only", http.StatusMethodNotAllowed)
}
