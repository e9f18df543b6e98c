package main

import (
	"math"
	"strings"
	"testing"
)

func TestSplitImpl(t *testing.T) {
	tests := []struct{ full, name, impl string }{
		{"BenchmarkLimiterAcquireRelease/impl=sselimit/users=hot-2", "BenchmarkLimiterAcquireRelease/users=hot-2", "sselimit"},
		{"BenchmarkEchoRefusal/impl=bare-2", "BenchmarkEchoRefusal-2", "bare"},
		{"BenchmarkGinRefusal/impl=sselimitgin-keyfunc-2", "BenchmarkGinRefusal-2", "sselimitgin-keyfunc"},
		{"BenchmarkLimiterRefusal/impl=mutexmap/cap=user", "BenchmarkLimiterRefusal/cap=user", "mutexmap"},
	}
	for _, tt := range tests {
		name, impl, ok := splitImpl(tt.full)
		if !ok || name != tt.name || impl != tt.impl {
			t.Errorf("splitImpl(%q) = (%q, %q, %t), want (%q, %q, true)", tt.full, name, impl, ok, tt.name, tt.impl)
		}
	}
}

// The exact distribution for 3 and 3 samples: 20 orderings.
func TestUCounts(t *testing.T) {
	got := uCounts(3, 3)
	want := []float64{1, 1, 2, 3, 3, 3, 3, 2, 1, 1}
	if len(got) != len(want) {
		t.Fatalf("uCounts(3, 3) = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("uCounts(3, 3) = %v, want %v", got, want)
		}
	}
}

func TestBelowP(t *testing.T) {
	x := []float64{10, 11, 12, 13}
	y := []float64{30, 31, 32, 33}
	// Every x below half of every y: the smallest statistic, 1 ordering of 70.
	if got, want := belowP(x, y, 0.5), 1.0/70; math.Abs(got-want) > 1e-12 {
		t.Errorf("belowP(x, y, 0.5) = %v, want %v", got, want)
	}
	// Every x above a quarter of every y: the largest, every ordering.
	if got := belowP(x, y, 0.25); got != 1 {
		t.Errorf("belowP(x, y, 0.25) = %v, want 1", got)
	}
}

func TestReadSamples(t *testing.T) {
	out := `goos: linux
BenchmarkLimiterAcquireRelease/impl=sselimit/users=hot-2   	21383940	        56.90 ns/op	       108.5 cpu-ns/op
BenchmarkLimiterAcquireRelease/impl=mutexmap/users=hot-2   	 7790182	       134.6 ns/op	       167.3 cpu-ns/op
BenchmarkLimiterAcquireRelease/impl=sselimit/users=hot-2   	18024703	        58.39 ns/op	       111.3 cpu-ns/op
PASS
`
	s, err := readSamples(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	got := s["BenchmarkLimiterAcquireRelease/users=hot-2"]
	if len(got["sselimit"]) != 2 || got["sselimit"][1] != 58.39 || len(got["mutexmap"]) != 1 {
		t.Errorf("readSamples = %v, want two sselimit samples and one mutexmap", got)
	}
}
