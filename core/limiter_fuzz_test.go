package sselimit

import "testing"

// decodeOps turns fuzz input into caps and operations: data[0] gives the
// global cap (-1..5), data[1] the per-user cap (-1..3), and each further byte
// one operation: its top two bits the kind (acquire twice as often as the
// others), its low bits the user or handle (for an acquire, bits 0-2 the
// user and bits 3-5 the cap in modelCaps).
func decodeOps(data []byte) (maxTotal, maxPerUser int, ops []op) {
	if len(data) < 2 {
		return 0, 0, nil
	}
	maxTotal, maxPerUser = int(data[0]%7)-1, int(data[1]%5)-1
	for _, b := range data[2:] {
		switch b >> 6 {
		case 0, 1:
			ops = append(ops, op{opAcquire, int(b & 63)})
		case 2:
			ops = append(ops, op{opRelease, int(b & 63)})
		case 3:
			ops = append(ops, op{opQuery, int(b & 7)})
		}
	}
	return maxTotal, maxPerUser, ops
}

// FuzzLimiterOps compares SSELimiter with the model on operation sequences.
// Without -fuzz it runs the seed corpus below as a plain test.
func FuzzLimiterOps(f *testing.F) {
	const (
		acq = 0x00 // | user
		rel = 0x80 // | handle
		qry = 0xc0 // | user
	)
	f.Add([]byte{})
	// Caps 0: disabled.
	f.Add([]byte{1, 1, acq, acq, acq | 1, rel, rel, rel | 1, qry, qry | 1})
	// Per-user cap 1: the entry comes and goes.
	f.Add([]byte{0, 2, acq | 1, acq | 1, rel, acq | 1, rel | 1, rel, rel | 1, acq | 1})
	// Both caps 2: user refusal first, then global refusal for another user.
	f.Add([]byte{3, 3, acq, acq, acq, acq | 2, rel, acq | 2, acq | 2, qry, qry | 2})
	// Per-user cap 1, release after reuse: handle 0 released, slot reacquired, handle 0 again.
	f.Add([]byte{1, 2, acq, rel, acq, rel, qry, acq, rel | 1, qry})
	// Caps disabled by negative values, the empty user.
	f.Add([]byte{0, 0, acq, acq, acq, qry, rel | 2, rel | 1, rel, qry})
	f.Fuzz(func(t *testing.T, data []byte) {
		maxTotal, maxPerUser, ops := decodeOps(data)
		checkModel(t, maxTotal, maxPerUser, ops)
	})
}
