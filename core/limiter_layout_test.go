package sselimit

import (
	"testing"
	"unsafe"
)

// What different CPUs write, each its own, takes whole cache lines of 64
// bytes: a field added without taking it from the padding would put two of
// them on one line, and slow every admission down without failing a test.
func TestCacheLines(t *testing.T) {
	sizes := []struct {
		name string
		size uintptr
	}{
		{"ticket", unsafe.Sizeof(ticket{})},
		{"shard", unsafe.Sizeof(shard{})},
		{"slotStripe", unsafe.Sizeof(slotStripe{})},
		{"spreadStripe", unsafe.Sizeof(spreadStripe{})},
		{"userSpread", unsafe.Sizeof(userSpread{})},
	}
	for _, s := range sizes {
		if s.size%64 != 0 {
			t.Errorf("%s takes %d bytes, want a multiple of 64", s.name, s.size)
		}
	}
	if got := unsafe.Sizeof(ticket{}); got != 64 {
		t.Errorf("ticket takes %d bytes, want 64", got)
	}
}

// Every held stream pays for its Stream: the struct fills its size class
// of 256 bytes, and a field more would cost each stream 32 bytes.
func TestStreamSize(t *testing.T) {
	if got := unsafe.Sizeof(Stream{}); got > 256 {
		t.Errorf("Stream takes %d bytes, want at most 256", got)
	}
}
