package bench

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time the process has used (user and system, all
// threads, garbage collection included). Unlike sec/op, cpu-ns/op does not
// count time spent waiting for a CPU, so it stays comparable on a busy
// machine.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopWithCPU runs op in b.Loop and reports, besides allocations, the CPU
// time per operation as cpu-ns/op.
func loopWithCPU(b *testing.B, op func()) {
	b.ReportAllocs()
	before := processCPU(b)
	n := 0
	for b.Loop() {
		op()
		n++
	}
	b.ReportMetric(float64(processCPU(b)-before)/float64(n), "cpu-ns/op")
}
