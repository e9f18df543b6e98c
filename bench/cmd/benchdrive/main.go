// Command benchdrive runs the load-and-drain scenarios for every framework,
// bare and behind sselimit, in one run, then the package's Go benchmarks,
// and prints one report with the ratios:
//
//   - held streams: the server's memory per held stream, and what sselimit
//     adds to it over the bare framework;
//   - refusal flood: refusals per second through the middleware (a user at
//     their cap) against a bare handler answering 429, in alternating
//     rounds; and the server's CPU time per refusal, which the other work
//     on a shared machine disturbs less than the rate;
//   - drain: from SIGTERM until every client has its close frame and the
//     server has exited, against the framework's shutdown alone.
//
// Run it from the bench module:
//
//	go run ./cmd/benchdrive -streams 10000
//
// It builds sseserver and sseload (or takes -server-bin and -load-bin),
// and runs everything on 127.0.0.1 with bounded counts and times.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sselimit/sselimit/bench/internal/sseload"
)

type options struct {
	streams         int
	openConcurrency int
	hold            time.Duration
	flood           int
	floodConns      int
	floodRounds     int
	shutdownTimeout time.Duration
	runTimeout      time.Duration
	frameworks      string
	serverBin       string
	loadBin         string
	bench           string
	benchCount      int
	benchCPU        string
	benchTime       string
	asJSON          bool
	jsonOut         string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("benchdrive: ")
	var o options
	flag.IntVar(&o.streams, "streams", 10000, "streams held per framework and variant")
	flag.IntVar(&o.openConcurrency, "open-concurrency", 128, "streams being opened at once")
	flag.DurationVar(&o.hold, "hold", 2*time.Second, "how long the streams are held before the memory is read")
	flag.IntVar(&o.flood, "flood", 40000, "requests per round of the refusal flood")
	flag.IntVar(&o.floodConns, "flood-conns", 16, "keep-alive connections of the flood")
	flag.IntVar(&o.floodRounds, "flood-rounds", 5, "rounds of the flood per variant, bare and limited alternating")
	flag.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 5*time.Second, "the servers' shutdown deadline (what a bare server waits for)")
	flag.DurationVar(&o.runTimeout, "run-timeout", 2*time.Minute, "bound on each run of the load tool")
	flag.StringVar(&o.frameworks, "frameworks", "nethttp,gin,echo,fiber", "comma-separated frameworks")
	flag.StringVar(&o.serverBin, "server-bin", "", "a built sseserver (default: build it)")
	flag.StringVar(&o.loadBin, "load-bin", "", "a built sseload (default: build it)")
	flag.StringVar(&o.bench, "bench", "^BenchmarkLimiter", "go test -bench pattern of this package's benchmarks to report (empty: none); the default is the core limiter's")
	flag.IntVar(&o.benchCount, "bench-count", 6, "go test -count of the benchmarks")
	flag.StringVar(&o.benchCPU, "bench-cpu", "1,2", "go test -cpu of the benchmarks")
	flag.StringVar(&o.benchTime, "bench-time", "300ms", "go test -benchtime of the benchmarks")
	flag.BoolVar(&o.asJSON, "json", false, "print the results as JSON")
	flag.StringVar(&o.jsonOut, "json-out", "", "also write the results, every run's full report, as JSON to this file")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// Output is the driver's report.
type Output struct {
	Machine    Machine  `json:"machine"`
	Command    string   `json:"command"`
	Streams    int      `json:"streams"`
	Results    []Result `json:"results"`
	Benchmarks string   `json:"benchmarks,omitempty"`
	Benchstat  string   `json:"benchstat,omitempty"`
}

// Result is one framework's runs.
type Result struct {
	Framework string `json:"framework"`
	// Bare and Limited held the streams, then drained.
	Bare    *sseload.Report `json:"bare"`
	Limited *sseload.Report `json:"limited"`
	// The flood's rounds.
	FloodBare    []*sseload.FloodReport `json:"flood_bare"`
	FloodLimited []*sseload.FloodReport `json:"flood_limited"`
}

// Machine is what the numbers were measured on.
type Machine struct {
	CPU      string    `json:"cpu"`
	Cores    int       `json:"cores"`
	Go       string    `json:"go"`
	Kernel   string    `json:"kernel"`
	Date     time.Time `json:"date"`
	LoadFrom string    `json:"load_from"` // /proc/loadavg when the run started
	LoadTo   string    `json:"load_to"`   // and when it ended
}

func run(o options) error {
	if o.streams <= 0 || o.flood <= 0 || o.floodRounds <= 0 {
		return errors.New("-streams, -flood and -flood-rounds must be positive")
	}
	out := Output{Machine: machine(), Command: command(), Streams: o.streams}
	if o.serverBin == "" || o.loadBin == "" {
		dir, err := os.MkdirTemp("", "benchdrive")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		log.Print("building sseserver and sseload")
		build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/sseserver", "./cmd/sseload")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building (run from the bench module): %w", err)
		}
		o.serverBin, o.loadBin = filepath.Join(dir, "sseserver"), filepath.Join(dir, "sseload")
	}
	names, err := frameworks(o)
	if err != nil {
		return err
	}
	for _, name := range names {
		res := Result{Framework: name}
		for _, limited := range []bool{false, true} {
			log.Printf("%s %s: holding %d streams, then draining", name, variant(limited), o.streams)
			r, err := o.load(o.server(name, limited), "-streams", strconv.Itoa(o.streams),
				"-open-concurrency", strconv.Itoa(o.openConcurrency), "-hold", o.hold.String(), "-drain")
			if err != nil {
				return fmt.Errorf("%s %s: %w", name, variant(limited), err)
			}
			if limited {
				res.Limited = r
			} else {
				res.Bare = r
			}
		}
		for round := range o.floodRounds {
			for _, limited := range []bool{round%2 == 1, round%2 == 0} {
				log.Printf("%s %s: flood round %d", name, variant(limited), round+1)
				r, err := o.load(o.server(name, limited), "-streams", "0", "-flood", strconv.Itoa(o.flood),
					"-flood-conns", strconv.Itoa(o.floodConns), "-flood-user", "flood")
				if err != nil {
					return fmt.Errorf("%s %s flood: %w", name, variant(limited), err)
				}
				if limited {
					res.FloodLimited = append(res.FloodLimited, r.Flood)
				} else {
					res.FloodBare = append(res.FloodBare, r.Flood)
				}
			}
		}
		out.Results = append(out.Results, res)
	}
	if o.bench != "" {
		log.Printf("running the benchmarks %q", o.bench)
		if out.Benchmarks, out.Benchstat, err = benchmarks(o); err != nil {
			return err
		}
	}
	out.Machine.LoadTo = loadAverage()
	if o.jsonOut != "" {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if o.asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	out.write(os.Stdout, o)
	return nil
}

// command is how to run the driver again with the same flags.
func command() string {
	cmd := []string{"go", "run", "./cmd/benchdrive"}
	for _, arg := range os.Args[1:] {
		if arg == "" || strings.ContainsAny(arg, " '\"$*?[]\\|&;<>()`") {
			arg = "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
		}
		cmd = append(cmd, arg)
	}
	return strings.Join(cmd, " ")
}

func variant(limited bool) string {
	if limited {
		return "limited"
	}
	return "bare"
}

// frameworks are the ones to run, checked against the server's list.
func frameworks(o options) ([]string, error) {
	b, err := exec.Command(o.serverBin, "-list").Output()
	if err != nil {
		return nil, fmt.Errorf("listing the frameworks: %w", err)
	}
	var known []string
	if err := json.Unmarshal(b, &known); err != nil {
		return nil, fmt.Errorf("listing the frameworks: %w", err)
	}
	names := strings.Split(o.frameworks, ",")
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("unknown framework %q; the server has %v", n, known)
		}
	}
	return names, nil
}

// server is the command line of one framework's server. The limited one
// caps each user at one stream (the flood's user holds theirs) and the
// total at twice the streams, a cap the held streams never reach.
func (o options) server(name string, limited bool) []string {
	argv := []string{o.serverBin, "-framework", name, "-shutdown-timeout", o.shutdownTimeout.String()}
	if limited {
		argv = append(argv, "-limited", "-max-per-user", "1", "-max-total", strconv.Itoa(2*o.streams))
	}
	return argv
}

// load runs the load tool against a server it starts.
func (o options) load(server []string, args ...string) (*sseload.Report, error) {
	args = append(append([]string{"-json", "-timeout", o.runTimeout.String()}, args...), "--")
	cmd := exec.Command(o.loadBin, append(args, server...)...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("sseload: %w", err)
	}
	var r sseload.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding sseload's report: %w", err)
	}
	return &r, nil
}

// benchmarks runs the package's Go benchmarks, and benchstat on them when
// it is installed.
func benchmarks(o options) (raw, stat string, err error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", o.bench, "-benchmem",
		"-count", strconv.Itoa(o.benchCount), "-cpu", o.benchCPU, "-benchtime", o.benchTime, ".")
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", "", fmt.Errorf("go test -bench: %w\n%s", err, b)
	}
	raw = string(b)
	tool, err := exec.LookPath("benchstat")
	if err != nil {
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		tool = filepath.Join(strings.TrimSpace(string(gopath)), "bin", "benchstat")
	}
	f, err := os.CreateTemp("", "bench*.txt")
	if err != nil {
		return raw, "", err
	}
	defer os.Remove(f.Name())
	f.Write(b)
	f.Close()
	s, err := exec.Command(tool, "-col", "/impl", f.Name()).Output()
	if err != nil {
		s, err = exec.Command(tool, f.Name()).Output()
	}
	if err != nil {
		return raw, "", nil // no benchstat: the raw lines are the report
	}
	return raw, strings.ReplaceAll(string(s), f.Name(), "bench.txt"), nil
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Date: time.Now().UTC(), LoadFrom: loadAverage()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimLeft(v, " \t:"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is the median of xs, and their range, each divided by unit.
func spread(xs []float64, unit float64, format string) string {
	return fmt.Sprintf(format+" ("+format+"–"+format+")",
		median(xs)/unit, slices.Min(xs)/unit, slices.Max(xs)/unit)
}

func rates(fs []*sseload.FloodReport) []float64 {
	var x []float64
	for _, f := range fs {
		x = append(x, f.RefusedPerSecond)
	}
	return x
}

func cpuPerRequest(fs []*sseload.FloodReport) []float64 {
	var x []float64
	for _, f := range fs {
		x = append(x, float64(f.CPUPerRequest()))
	}
	return x
}

// write prints the report as Markdown.
func (out *Output) write(w io.Writer, o options) {
	m := out.Machine
	fmt.Fprintf(w, "Machine: %s, %d cores, %s, Linux %s; %s; load average %s at the start, %s at the end.\n\n",
		m.CPU, m.Cores, m.Go, m.Kernel, m.Date.Format("2006-01-02 15:04 MST"), m.LoadFrom, m.LoadTo)
	fmt.Fprintf(w, "Command: `%s`\n\n", out.Command)

	fmt.Fprintf(w, "Held streams (%d per run, one user each; time to first event from dialling):\n\n", out.Streams)
	fmt.Fprintln(w, "| framework | variant | held | refused/errors | TTFB p50 / p99 | RSS before → after | RSS / stream | Go live / stream |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range out.Results {
		for _, v := range []struct {
			name string
			r    *sseload.Report
		}{{"bare", r.Bare}, {"sselimit", r.Limited}} {
			s, mem := v.r.Streams, v.r.Memory
			refused := 0
			for _, n := range s.Refused {
				refused += n
			}
			fmt.Fprintf(w, "| %s | %s | %d | %d/%d | %s / %s | %s → %s | %d B | %d B |\n",
				r.Framework, v.name, s.Held, refused, s.Errors, msec(s.TTFB.P50), msec(s.TTFB.P99),
				mib(mem.Before.RSS), mib(mem.After.RSS), rssPerStream(v.r), livePerStream(v.r))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "What sselimit adds per held stream, (sselimit − bare) / streams (target: under 200 B):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| framework | RSS | Go live (heap + stacks) |")
	fmt.Fprintln(w, "|---|---:|---:|")
	for _, r := range out.Results {
		fmt.Fprintf(w, "| %s | %d B | %d B |\n", r.Framework,
			rssPerStream(r.Limited)-rssPerStream(r.Bare), livePerStream(r.Limited)-livePerStream(r.Bare))
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "Refusal flood (%d requests per round over %d keep-alive connections, %d rounds each, bare and sselimit alternating; medians, with the range; target: ratio ≥ 0.95):\n\n",
		o.flood, o.floodConns, o.floodRounds)
	fmt.Fprintln(w, "| framework | bare 429/s | sselimit 429/s | ratio | bare CPU / refusal | sselimit CPU / refusal | CPU ratio (bare / sselimit) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range out.Results {
		bare, lim := rates(r.FloodBare), rates(r.FloodLimited)
		bareCPU, limCPU := cpuPerRequest(r.FloodBare), cpuPerRequest(r.FloodLimited)
		fmt.Fprintf(w, "| %s | %s | %s | **%.2f** | %s µs | %s µs | **%.2f** |\n", r.Framework,
			spread(bare, 1, "%.0f"), spread(lim, 1, "%.0f"), median(lim)/median(bare),
			spread(bareCPU, 1e3, "%.1f"), spread(limCPU, 1e3, "%.1f"), median(bareCPU)/median(limCPU))
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "Drain of the held streams, from SIGTERM (shutdown deadline %v; target: sselimit under 1 s):\n\n", o.shutdownTimeout)
	fmt.Fprintln(w, "| framework | variant | close frames | last close frame | process exit | total | bare / sselimit |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|")
	for _, r := range out.Results {
		b, l := r.Bare.Drain, r.Limited.Drain
		fmt.Fprintf(w, "| %s | bare | %d/%d | %s | %s (exit %d) | %s | |\n", r.Framework,
			b.CloseFrames, b.Streams, msecOrNone(b.LastCloseFrame, b.CloseFrames), msec(b.Exit), b.ExitCode, total(b))
		ratio := "n/a"
		if l.Complete() {
			ratio = fmt.Sprintf("%.1f×", float64(max(b.Exit, b.LastStreamEnd))/float64(l.Total()))
		}
		fmt.Fprintf(w, "| %s | sselimit | %d/%d | %s | %s (exit %d) | %s | %s |\n", r.Framework,
			l.CloseFrames, l.Streams, msecOrNone(l.LastCloseFrame, l.CloseFrames), msec(l.Exit), l.ExitCode, total(l), ratio)
	}
	fmt.Fprintln(w)
	if out.Benchmarks != "" {
		fmt.Fprintf(w, "Benchmarks (`go test -run '^$' -bench '%s' -benchmem -count %d -cpu %s -benchtime %s`):\n\n",
			o.bench, o.benchCount, o.benchCPU, o.benchTime)
		fmt.Fprintf(w, "```\n%s```\n", out.Benchmarks)
		if out.Benchstat != "" {
			fmt.Fprintf(w, "\nbenchstat:\n\n```\n%s```\n", out.Benchstat)
		}
	}
}

func rssPerStream(r *sseload.Report) int64 {
	return sseload.PerStream(r.Memory.Before.RSS, r.Memory.After.RSS, r.Streams.Held)
}

func livePerStream(r *sseload.Report) int64 {
	return sseload.PerStream(r.Memory.Before.GoLive, r.Memory.After.GoLive, r.Streams.Held)
}

// total is the drain's time until every stream had its close frame and the
// process had exited, or what was missing.
func total(d *sseload.DrainReport) string {
	if !d.Complete() {
		return fmt.Sprintf("never: %d streams cut without a close frame at %s", d.Streams-d.CloseFrames, msec(max(d.Exit, d.LastStreamEnd)))
	}
	return "**" + msec(d.Total()) + "**"
}

func msec(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms"
}

func msecOrNone(d time.Duration, n int) string {
	if n == 0 {
		return "–"
	}
	return msec(d)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
