package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchLine matches a benchmark result: its name and its ns/op.
var benchLine = regexp.MustCompile(`^(Benchmark\S+)\s+\d+\s+([0-9.]+) ns/op`)

// readSamples returns the ns/op of every benchmark in r, by name without
// its impl= element, then by implementation.
func readSamples(r io.Reader) (map[string]map[string][]float64, error) {
	samples := map[string]map[string][]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name, impl, ok := splitImpl(m[1])
		if !ok {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, err
		}
		if samples[name] == nil {
			samples[name] = map[string][]float64{}
		}
		samples[name][impl] = append(samples[name][impl], ns)
	}
	return samples, sc.Err()
}

// splitImpl takes the impl= element out of a benchmark's name. The -N
// suffix of GOMAXPROCS stays with the name, even when impl= ends it.
func splitImpl(full string) (name, impl string, ok bool) {
	parts := strings.Split(full, "/")
	for i, p := range parts {
		value, found := strings.CutPrefix(p, "impl=")
		if !found {
			continue
		}
		suffix := ""
		if i == len(parts)-1 {
			if j := strings.LastIndexByte(value, '-'); j >= 0 {
				if _, err := strconv.Atoi(value[j+1:]); err == nil {
					value, suffix = value[:j], value[j:]
				}
			}
		}
		rest := slices.Concat(parts[:i], parts[i+1:])
		return strings.Join(rest, "/") + suffix, value, true
	}
	return "", "", false
}

func median(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// belowP is the one-sided p-value of the hypothesis that x's samples are
// not below k times y's: the chance, were both drawn alike, of a
// Mann–Whitney statistic as small as the one observed (the number of
// pairs where x's sample is above k times y's, ties counting a half). The
// distribution is the exact one without ties.
func belowP(x, y []float64, k float64) float64 {
	var u float64
	for _, xi := range x {
		for _, yj := range y {
			switch ky := k * yj; {
			case xi > ky:
				u++
			case xi == ky:
				u += 0.5
			}
		}
	}
	counts := uCounts(len(x), len(y))
	var below, total float64
	for v, c := range counts {
		total += c
		if float64(v) <= u {
			below += c
		}
	}
	return below / total
}

// uCounts returns, for each value u, the number of orderings of n and m
// samples, all distinct, in which u pairs have the first sample above the
// second: f(n, m, u) = f(n-1, m, u-m) + f(n, m-1, u).
func uCounts(n, m int) []float64 {
	f := make([][][]float64, n+1)
	for i := range f {
		f[i] = make([][]float64, m+1)
		for j := range f[i] {
			f[i][j] = make([]float64, i*j+1)
			switch {
			case i == 0 || j == 0:
				f[i][j][0] = 1
			default:
				for u := range f[i][j] {
					if u >= j && u-j < len(f[i-1][j]) {
						f[i][j][u] += f[i-1][j][u-j]
					}
					if u < len(f[i][j-1]) {
						f[i][j][u] += f[i][j-1][u]
					}
				}
			}
		}
	}
	return f[n][m]
}
