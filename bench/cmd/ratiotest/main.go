// Command ratiotest reads the output of go test -bench and tests, for every
// benchmark measured under two implementations, whether the first is
// faster than a given fraction of the second: it prints the ratio of the
// medians of ns/op, and the one-sided p-value of an exact Mann–Whitney
// test of the first's samples against the second's scaled by the
// fraction. benchstat compares two implementations with each other; this
// compares one with a target set as a ratio, such as "at most half the
// time of the hand-written limiter".
//
// Run it from the bench module:
//
//	go run ./cmd/ratiotest -a sselimit -b mutexmap -k 0.5 results/limiter-raw.txt
//
// Implementations are told apart by the impl= element of the benchmark
// names, as this module's benchmarks name them.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
)

func main() {
	a := flag.String("a", "sselimit", "the implementation tested")
	b := flag.String("b", "mutexmap", "the implementation it is compared with")
	k := flag.Float64("k", 1, "the fraction of b's time a must stay below")
	flag.Parse()
	if flag.NArg() != 1 || *k <= 0 {
		log.Fatal("usage: ratiotest [-a impl] [-b impl] [-k fraction] bench-output.txt")
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	samples, err := readSamples(f)
	if err != nil {
		log.Fatal(err)
	}
	names := make([]string, 0, len(samples))
	for name := range samples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		x, y := samples[name][*a], samples[name][*b]
		if len(x) == 0 || len(y) == 0 {
			continue
		}
		fmt.Printf("%s: %s/%s %.3f (n=%d+%d), below %g: p=%.4f\n",
			name, *a, *b, median(x)/median(y), len(x), len(y), *k, belowP(x, y, *k))
	}
}
