package sselimit

import (
	"sync/atomic"
	"time"
)

// durationBounds are the upper bounds, in seconds, of the buckets of the
// stream-duration histogram: streams last from seconds to hours.
var durationBounds = [...]float64{1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 21600}

// durationHistogram counts stream durations with one atomic add per bucket
// and one for the sum; readers put the figures together.
type durationHistogram struct {
	buckets   [len(durationBounds) + 1]atomic.Uint64 // each bucket's own count; the last is over every bound
	sumMicros atomic.Uint64
}

func (h *durationHistogram) observe(d time.Duration) {
	sec := d.Seconds()
	i := 0
	for i < len(durationBounds) && sec > durationBounds[i] {
		i++
	}
	h.buckets[i].Add(1)
	if d > 0 {
		h.sumMicros.Add(uint64(d / time.Microsecond))
	}
}

// DurationHistogram is the distribution of how long the streams that ended
// were open, from admission to release, in the form Prometheus histograms
// take.
type DurationHistogram struct {
	Bounds []float64 // the buckets' upper bounds, in seconds, ascending
	Counts []uint64  // Counts[i]: streams that lasted at most Bounds[i]
	Count  uint64    // streams that ended, however long they lasted
	Sum    float64   // their total duration, in seconds
}

func (h *durationHistogram) snapshot() DurationHistogram {
	d := DurationHistogram{
		Bounds: append([]float64(nil), durationBounds[:]...),
		Counts: make([]uint64, len(durationBounds)),
		Sum:    float64(h.sumMicros.Load()) / 1e6,
	}
	for i := range h.buckets {
		d.Count += h.buckets[i].Load()
		if i < len(d.Counts) {
			d.Counts[i] = d.Count
		}
	}
	return d
}
