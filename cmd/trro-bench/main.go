// Command trro-bench measures scrape time, API calls, CPU, allocations and
// memory of the exporter against the stand-in (run as its own process, so
// that its CPU is not counted) over fleets of several sizes, and prints one
// table with the ratios to the lower bounds. Run it with `make bench`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/trro"
)

var failed = regexp.MustCompile(`trro_scrape_collector_success\{collector="\w+"\} 0|trro_collector_truncated\{collector="\w+"\} 1`)

const (
	secretID  = "AKIDbench"
	secretKey = "bench-secret"
	rateLimit = 20.0
	// liveSessions is how many sessions of the fleet are live: one
	// DescribeDeviceSessionDetails call each per scrape.
	liveSessions = 200
)

type result struct {
	Projects, Devices, Licenses int
	WallSec, BoundSec           float64 // medians
	Calls, MinCalls             int
	CPUSec, FloorCPUSec         float64 // medians
	FloorDecodeSec              float64 // the floor's decoding part
	ClientCPUSec                float64 // the API client alone, same calls
	Allocs                      uint64
	AllocBytes                  uint64
	PeakRSSMiB                  float64
	ConcurrentCalls             int
	Series                      int
	Runs                        int
}

// cpuProfile and clientProfile, when set, profile the measured scrapes and
// the client alone of a child.
var cpuProfile, clientProfile string

// startProfile profiles the CPU into path until the returned stop.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func main() {
	child := flag.Bool("child", false, "measure one size (internal)")
	sizes := flag.String("sizes", "1,10,100,500", "project counts to measure")
	devices := flag.Int("devices", 10000, "devices in the fleet, spread over the projects")
	licenses := flag.Int("licenses", 10000, "license groups in the fleet")
	projects := flag.Int("projects", 1, "projects (with -child)")
	latency := flag.Duration("latency", 50*time.Millisecond, "latency the stand-in adds to every call")
	runs := flag.Int("runs", 3, "measured scrapes per size; medians are reported")
	standin := flag.String("standin", "", "path of the trro-standin binary")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the measured scrapes here (with -child)")
	flag.StringVar(&clientProfile, "clientprofile", "", "write a CPU profile of the API client alone here (with -child)")
	accounts := flag.Bool("accounts", false, "compare one account of half the fleet with two such accounts on one exporter")
	flag.Parse()
	if *accounts {
		if err := compareAccounts(os.Stdout, *standin, *sizes, *devices, *licenses, *latency, *runs); err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *child {
		r, err := measure(*standin, *projects, *devices, *licenses, *latency, *runs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench:", err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	var results []result
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench: bad size", s)
			os.Exit(2)
		}
		// A process per size: peak RSS is then that size's own.
		cmd := exec.Command(os.Args[0], "-child", "-projects", strconv.Itoa(n), "-devices", strconv.Itoa(*devices),
			"-licenses", strconv.Itoa(*licenses), "-latency", latency.String(), "-runs", strconv.Itoa(*runs), "-standin", *standin)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench: size", n, err)
			os.Exit(1)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench:", err)
			os.Exit(1)
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "trro-bench: %d projects done\n", n)
	}
	printTable(os.Stdout, results, *latency)
}

func printTable(w io.Writer, rs []result, latency time.Duration) {
	fmt.Fprintf(w, "API latency %v, rate limit %g calls/s per action, medians of %d scrapes per size, %s/%s, %d CPUs, %s\n\n",
		latency, rateLimit, rs[0].Runs, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintln(w, "| projects | devices | licenses | series | scrape s | lower bound s | ratio | API calls | minimum | ratio | CPU ms | floor ms (decode + encode) | ratio | API client alone ms | CPU − client ms | allocs | alloc MiB | peak RSS MiB | calls, 4 scrapers | ratio to 1 |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		fmt.Fprintf(w, "| %d | %d | %d | %d | %.2f | %.2f | %.2f | %d | %d | %.2f | %.0f | %.0f (%.0f + %.0f) | %.2f | %.0f | %.0f | %d | %.1f | %.0f | %d | %.2f |\n",
			r.Projects, r.Devices, r.Licenses, r.Series, r.WallSec, r.BoundSec, r.WallSec/r.BoundSec, r.Calls, r.MinCalls,
			float64(r.Calls)/float64(r.MinCalls), r.CPUSec*1000, r.FloorCPUSec*1000, r.FloorDecodeSec*1000, (r.FloorCPUSec-r.FloorDecodeSec)*1000,
			r.CPUSec/r.FloorCPUSec, r.ClientCPUSec*1000, (r.CPUSec-r.ClientCPUSec)*1000,
			r.Allocs, float64(r.AllocBytes)/(1<<20), r.PeakRSSMiB, r.ConcurrentCalls, float64(r.ConcurrentCalls)/float64(r.Calls))
	}
}

func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func peakRSS() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// recorder saves the bodies of the answers to files while on, so that the
// floor can decode them later without the measured process holding them.
type recorder struct {
	base  http.RoundTripper
	dir   string
	on    atomic.Bool
	mu    sync.Mutex
	files map[string][]string // action → body files
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || !r.on.Load() {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	action := req.Header.Get("X-TC-Action")
	r.mu.Lock()
	defer r.mu.Unlock()
	name := filepath.Join(r.dir, fmt.Sprintf("%s-%d.json", action, len(r.files[action])))
	if err := os.WriteFile(name, body, 0o600); err != nil {
		return nil, err
	}
	r.files[action] = append(r.files[action], name)
	return resp, nil
}

// pageWriter is the ResponseWriter of a scrape: it keeps the status, counts
// the bytes and passes them to w (the warm-up's file, or nothing).
type pageWriter struct {
	h      http.Header
	status int
	n      int64
	w      io.Writer
}

func (p *pageWriter) Header() http.Header { return p.h }
func (p *pageWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *pageWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	p.n += int64(len(b))
	if p.w != nil {
		return p.w.Write(b)
	}
	return len(b), nil
}

// startStandin runs the stand-in binary with a generated fleet until ctx
// ends, and returns its URL once it answers.
func startStandin(ctx context.Context, bin string, projects, perProject, licenses int, latency time.Duration, live int) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.CommandContext(ctx, bin, "-listen", addr, "-projects", strconv.Itoa(projects), "-devices-per-project", strconv.Itoa(perProject),
		"-license-groups", strconv.Itoa(licenses), "-latency", latency.String(), "-live-sessions", strconv.Itoa(live))
	cmd.Env = append(os.Environ(), "TENCENTCLOUD_SECRET_ID="+secretID, "TENCENTCLOUD_SECRET_KEY="+secretKey)
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start stand-in: %w", err)
	}
	go cmd.Wait()
	base := "http://" + addr
	for i := 0; ; i++ {
		if _, err := standinStats(base); err == nil {
			return base, nil
		}
		if i > 200 {
			return "", fmt.Errorf("stand-in did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// standinStats reads the calls the stand-in served since its last reset.
func standinStats(base string) (stats, error) {
	var s stats
	resp, err := http.Get(base + "/stats")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

type stats struct {
	Calls    map[string]int `json:"calls"`
	MinCalls map[string]int `json:"min_calls"`
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func measure(standin string, projects, devices, licenses int, latency time.Duration, runs int) (result, error) {
	r := result{Projects: projects, Devices: devices, Licenses: licenses, Runs: runs}
	perProject := max(devices/projects, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := startStandin(ctx, standin, projects, perProject, licenses, latency, liveSessions)
	if err != nil {
		return r, err
	}
	getStats := func() (stats, error) { return standinStats(base) }
	reset := func() { http.Post(base+"/stats/reset", "text/plain", nil) }

	dir, err := os.MkdirTemp("", "trro-bench-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	rec := &recorder{dir: dir, files: map[string][]string{}}
	def := config.Default()
	opts := def.ClientOptions(common.NewCredential(secretID, secretKey))
	opts.Endpoint, opts.RateLimit, opts.RequestTimeout = base, rateLimit, time.Minute
	opts.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { rec.base = rt; return rec }
	client, err := trro.NewClient(opts)
	if err != nil {
		return r, err
	}
	acc := def.Account
	acc.ScrapeTimeout, acc.MaxDevicesPerProject = config.Duration(10*time.Minute), perProject
	exp := collector.New(acc, collector.Deps{API: client})
	handler := collector.Handler(func() []*collector.Exporter { return []*collector.Exporter{exp} }, prometheus.NewRegistry(), collector.HandlerOptions{})
	// scrape serves /metrics into w (nil: counted, then dropped, as a socket
	// would take it: the page is not held in the measured process).
	scrape := func(w io.Writer) (int64, error) {
		pw := &pageWriter{h: http.Header{}, w: w}
		handler.ServeHTTP(pw, httptest.NewRequest("GET", "/metrics", nil))
		if pw.status != http.StatusOK {
			return 0, fmt.Errorf("scrape: status %d", pw.status)
		}
		return pw.n, nil
	}
	// savedScrape scrapes into a file and checks that no collector failed.
	savedScrape := func(name string) (string, int64, error) {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			return "", 0, err
		}
		defer f.Close()
		n, err := scrape(f)
		if err != nil {
			return "", 0, err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return "", 0, err
		}
		if !bytes.Contains(body, []byte("\ntrro_up 1\n")) || failed.Match(body) {
			return "", 0, fmt.Errorf("scrape failed: %s", failed.Find(body))
		}
		return path, n, nil
	}
	// A measured scrape whose page is much shorter than the warm-up's lost
	// series: a failure.
	var warmBytes int64
	checkSize := func(n int64) error {
		if float64(n) < 0.99*float64(warmBytes) {
			return fmt.Errorf("scrape wrote %d bytes, the warm-up %d: series missing", n, warmBytes)
		}
		return nil
	}

	// Warm-up, recording the answers for the floor.
	rec.on.Store(true)
	warmPage, warmBytes, err := savedScrape("warm-up.txt")
	rec.on.Store(false)
	if err != nil {
		return r, err
	}
	var walls, bounds, cpus []float64
	stop, err := startProfile(cpuProfile)
	if err != nil {
		return r, err
	}
	for i := 0; i < runs; i++ {
		reset()
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0, t0 := cpuTime(), time.Now()
		n, err := scrape(nil)
		if err != nil {
			return r, err
		}
		walls = append(walls, time.Since(t0).Seconds())
		cpus = append(cpus, cpuTime()-c0)
		if err := checkSize(n); err != nil {
			return r, err
		}
		runtime.ReadMemStats(&m1)
		r.Allocs, r.AllocBytes = m1.Mallocs-m0.Mallocs, m1.TotalAlloc-m0.TotalAlloc
		st, err := getStats()
		if err != nil {
			return r, err
		}
		r.Calls, r.MinCalls = sum(st.Calls), sum(st.MinCalls)
		// No scrape can beat two dependent calls (project list, then a
		// per-project call), nor the slowest action's minimum calls at the
		// rate limit (the last one still takes a round trip).
		bound := 2 * latency.Seconds()
		for _, n := range st.MinCalls {
			bound = max(bound, float64(n-1)/rateLimit+latency.Seconds())
		}
		// Nor can it read a live session's points before that session is
		// listed: at best, after the project list and one project's
		// session list (the fleet spreads sessions evenly), the points
		// calls follow at the rate limit.
		if d := st.MinCalls["DescribeDeviceSessionDetails"]; d > 0 {
			perProject := float64(st.MinCalls["DescribeRecentSessionList"]) / float64(projects)
			bound = max(bound, latency.Seconds()+perProject/rateLimit+float64(d-1)/rateLimit+latency.Seconds())
		}
		bounds = append(bounds, bound)
	}
	r.WallSec, r.BoundSec, r.CPUSec = median(walls), median(bounds), median(cpus)
	stop()

	// The API client alone, making the same calls; a first, unmeasured
	// round reads the live sessions' points up to now, as the exporter's
	// warm-up did.
	cs := &clientState{cursors: map[string]int64{}}
	if err := fetchAll(context.Background(), client, perProject, time.Now(), cs); err != nil {
		return r, fmt.Errorf("client alone: %w", err)
	}
	var clientCPUs []float64
	if stop, err = startProfile(clientProfile); err != nil {
		return r, err
	}
	for i := 0; i < runs; i++ {
		reset()
		runtime.GC()
		c0 := cpuTime()
		if err := fetchAll(context.Background(), client, perProject, time.Now(), cs); err != nil {
			return r, fmt.Errorf("client alone: %w", err)
		}
		clientCPUs = append(clientCPUs, cpuTime()-c0)
		st, err := getStats()
		if err != nil {
			return r, err
		}
		if n := sum(st.Calls); n != r.Calls {
			return r, fmt.Errorf("client alone made %d calls, a scrape %d", n, r.Calls)
		}
	}
	stop()
	r.ClientCPUSec = median(clientCPUs)

	// Four scrapers at once.
	reset()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := scrape(nil)
			if errs[i] = err; err == nil {
				errs[i] = checkSize(n)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return r, err
		}
	}
	st, err := getStats()
	if err != nil {
		return r, err
	}
	r.ConcurrentCalls = sum(st.Calls)

	// Peak RSS before the floor below, which is the bench's own work.
	r.PeakRSSMiB = peakRSS()

	// The floor: decoding the same answers with encoding/json into plain
	// structs, and encoding the same metric families with expfmt.
	page, err := os.ReadFile(warmPage)
	if err != nil {
		return r, err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil {
		return r, fmt.Errorf("parse scrape: %w", err)
	}
	keys := make([]string, 0, len(families))
	for k := range families {
		keys = append(keys, k)
		r.Series += len(families[k].GetMetric())
	}
	sort.Strings(keys)
	bodies := map[string][][]byte{}
	for action, files := range rec.files {
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return r, err
			}
			bodies[action] = append(bodies[action], b)
		}
	}
	var floors, decodes []float64
	for i := 0; i < runs; i++ {
		runtime.GC()
		c0 := cpuTime()
		for action, bs := range bodies {
			for _, b := range bs {
				if err := floorDecode(action, b); err != nil {
					return r, fmt.Errorf("floor decode %s: %w", action, err)
				}
			}
		}
		decoded := cpuTime()
		decodes = append(decodes, decoded-c0)
		enc := expfmt.NewEncoder(io.Discard, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, k := range keys {
			if err := enc.Encode(families[k]); err != nil {
				return r, err
			}
		}
		floors = append(floors, cpuTime()-c0)
	}
	r.FloorCPUSec, r.FloorDecodeSec = median(floors), median(decodes)
	return r, nil
}
