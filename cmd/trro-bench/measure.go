package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"golang.org/x/sync/errgroup"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/trro"
)

// newExporter is the exporter of one account (named name; "" for none)
// reading the stand-in at base, as the server builds it; wrap, if set,
// wraps the client's transport.
func newExporter(base, name string, perProject int, api *collector.APIMetrics, wrap func(http.RoundTripper) http.RoundTripper) (*trro.Client, *collector.Exporter, error) {
	def := config.Default(collector.Schema())
	opts := def.ClientOptions(common.NewCredential(secretID, secretKey))
	opts.Endpoint, opts.RateLimit, opts.RequestTimeout, opts.WrapTransport = base, rateLimit, time.Minute, wrap
	client, err := trro.NewClient(opts)
	if err != nil {
		return nil, nil, err
	}
	acc := def.Account
	acc.Name = name
	acc.ScrapeTimeout = config.Duration(10 * time.Minute)
	collector.SettingsOf[collector.RoundSettings](&acc).MaxDevicesPerProject = perProject
	// Every live session is read, whatever -live says.
	sd := collector.SettingsOf[collector.SessionDetailsSettings](&acc)
	sd.MaxLiveSessions = max(sd.MaxLiveSessions, liveSessions)
	return client, collector.New(acc, collector.Deps{API: client, APIMetrics: api}), nil
}

// bench is one size's measurement: the stand-in, the recorded answers,
// the client and the /metrics handler.
type bench struct {
	r          result
	base, dir  string
	rec        *recorder
	client     *trro.Client
	handler    http.Handler
	perProject int
	latency    time.Duration
	warmBytes  int64
	// scrapeCalls are a measured scrape's calls by action.
	scrapeCalls map[string]int
}

func measure(standin string, projects, devices, licenses int, latency time.Duration, runs int) (result, error) {
	b := &bench{r: result{Projects: projects, Devices: devices, Licenses: licenses, Runs: runs},
		perProject: max(devices/projects, 1), latency: latency}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var err error
	if b.base, err = startStandin(ctx, standin, projects, b.perProject, licenses, latency, liveSessions); err != nil {
		return b.r, err
	}
	if b.dir, err = os.MkdirTemp("", "trro-bench-"); err != nil {
		return b.r, err
	}
	defer os.RemoveAll(b.dir)
	b.rec = &recorder{dir: b.dir, files: map[string][]string{}}
	wrap := func(rt http.RoundTripper) http.RoundTripper { b.rec.base = rt; return b.rec }
	client, exp, err := newExporter(b.base, "", b.perProject, nil, wrap)
	if err != nil {
		return b.r, err
	}
	b.client = client
	b.handler = collector.Handler(func() []*collector.Exporter { return []*collector.Exporter{exp} }, prometheus.NewRegistry(), collector.HandlerOptions{})
	// Warm-up, recording the answers for the floor.
	b.rec.on.Store(true)
	warmPage, warmBytes, err := b.savedScrape("warm-up.txt")
	b.rec.on.Store(false)
	if err != nil {
		return b.r, err
	}
	b.warmBytes = warmBytes
	for _, phase := range []func() error{b.scrapes, b.clientAlone, b.concurrent, func() error { return b.floor(warmPage) }} {
		if err := phase(); err != nil {
			return b.r, err
		}
	}
	return b.r, nil
}

// scrape serves /metrics into w (nil: counted, then dropped, as a socket
// would take it: the page is not held in the measured process).
func (b *bench) scrape(w io.Writer) (int64, error) {
	pw := &pageWriter{h: http.Header{}, w: w}
	b.handler.ServeHTTP(pw, httptest.NewRequest("GET", "/metrics", nil))
	if pw.status != http.StatusOK {
		return 0, fmt.Errorf("scrape: status %d", pw.status)
	}
	return pw.n, nil
}

// savedScrape scrapes into a file and checks that no collector failed.
func (b *bench) savedScrape(name string) (string, int64, error) {
	path := filepath.Join(b.dir, name)
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	n, err := b.scrape(f)
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

// checkSize fails a measured scrape whose page is much shorter than the
// warm-up's: it lost series.
func (b *bench) checkSize(n int64) error {
	if float64(n) < 0.99*float64(b.warmBytes) {
		return fmt.Errorf("scrape wrote %d bytes, the warm-up %d: series missing", n, b.warmBytes)
	}
	return nil
}

func (b *bench) reset() { http.Post(b.base+"/stats/reset", "text/plain", nil) }

// scrapes measures runs scrapes: wall time against its lower bound, CPU,
// allocations and calls.
func (b *bench) scrapes() error {
	var walls, bounds, cpus []float64
	err := b.measured(cpuProfile, func() error {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0, t0 := cpuTime(), time.Now()
		n, err := b.scrape(nil)
		if err != nil {
			return err
		}
		walls = append(walls, time.Since(t0).Seconds())
		cpus = append(cpus, cpuTime()-c0)
		if err := b.checkSize(n); err != nil {
			return err
		}
		runtime.ReadMemStats(&m1)
		b.r.Allocs, b.r.AllocBytes = m1.Mallocs-m0.Mallocs, m1.TotalAlloc-m0.TotalAlloc
		st, err := standinStats(b.base)
		if err != nil {
			return err
		}
		b.r.Calls, b.r.MinCalls = sum(st.Calls), sum(st.MinCalls)
		b.scrapeCalls = st.Calls
		bounds = append(bounds, b.lowerBound(st))
		return nil
	})
	if err != nil {
		return err
	}
	b.r.WallSec, b.r.BoundSec, b.r.CPUSec = median(walls), median(bounds), median(cpus)
	return nil
}

// measured runs each Runs times, each after a reset of the stand-in's
// counts and a GC, under a CPU profile into profile ("": none).
func (b *bench) measured(profile string, each func() error) error {
	stop, err := startProfile(profile)
	if err != nil {
		return err
	}
	defer stop()
	for i := 0; i < b.r.Runs; i++ {
		b.reset()
		runtime.GC()
		if err := each(); err != nil {
			return err
		}
	}
	return nil
}

// lowerBound is the shortest a scrape making st's minimum calls can take.
func (b *bench) lowerBound(st stats) float64 {
	lat := b.latency.Seconds()
	// No scrape can beat two dependent calls (project list, then a
	// per-project call), nor the slowest action's minimum calls at the rate
	// limit (the last one still takes a round trip).
	bound := 2 * lat
	for _, n := range st.MinCalls {
		bound = max(bound, float64(n-1)/rateLimit+lat)
	}
	// Nor can it read a live session's points before that session is
	// listed: at best, after the project list and one project's session
	// list (the fleet spreads sessions evenly), the points calls follow at
	// the rate limit.
	if d := st.MinCalls["DescribeDeviceSessionDetails"]; d > 0 {
		perProject := float64(st.MinCalls["DescribeRecentSessionList"]) / float64(b.r.Projects)
		bound = max(bound, lat+perProject/rateLimit+float64(d-1)/rateLimit+lat)
	}
	return bound
}

// clientAlone measures the API client making the same calls; a first,
// unmeasured round reads the live sessions' points up to now, as the
// exporter's warm-up did.
func (b *bench) clientAlone() error {
	cs := &clientState{cursors: map[string]int64{}}
	if err := fetchAll(context.Background(), b.client, b.perProject, time.Now(), cs); err != nil {
		return fmt.Errorf("client alone: %w", err)
	}
	var cpus []float64
	err := b.measured(clientProfile, func() error {
		c0 := cpuTime()
		if err := fetchAll(context.Background(), b.client, b.perProject, time.Now(), cs); err != nil {
			return fmt.Errorf("client alone: %w", err)
		}
		cpus = append(cpus, cpuTime()-c0)
		st, err := standinStats(b.base)
		if err != nil {
			return err
		}
		return sameCalls(st.Calls, b.scrapeCalls)
	})
	if err != nil {
		return err
	}
	b.r.ClientCPUSec = median(cpus)
	return nil
}

// sameCalls checks that the client alone made a scrape's calls, action by
// action. The one exception is the recent session list: it covers the
// last two hours, and the generated fleet's ended sessions only leave that
// window, so a later round may need fewer pages (with -live 1990 a scrape
// takes minutes and the client's list was two pages shorter), never more.
func sameCalls(client, scrape map[string]int) error {
	actions := maps.Clone(client)
	maps.Copy(actions, scrape)
	for _, a := range slices.Sorted(maps.Keys(actions)) {
		c, s := client[a], scrape[a]
		if c == s || a == trro.ActionDescribeRecentSessionList && c < s {
			continue
		}
		return fmt.Errorf("client alone made %d %s calls, a scrape %d (client %v, scrape %v)", c, a, s, client, scrape)
	}
	return nil
}

// concurrent counts the calls of four scrapes at once, then takes the peak
// RSS before the floor, which is the bench's own work.
func (b *bench) concurrent() error {
	b.reset()
	var g errgroup.Group
	for range 4 {
		g.Go(func() error {
			n, err := b.scrape(nil)
			if err != nil {
				return err
			}
			return b.checkSize(n)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	st, err := standinStats(b.base)
	if err != nil {
		return err
	}
	b.r.ConcurrentCalls = sum(st.Calls)
	b.r.PeakRSSMiB = peakRSS()
	return nil
}

// floor measures decoding the same answers with encoding/json into plain
// structs, and encoding the same metric families with expfmt.
func (b *bench) floor(warmPage string) error {
	page, err := os.ReadFile(warmPage)
	if err != nil {
		return err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil {
		return fmt.Errorf("parse scrape: %w", err)
	}
	keys := make([]string, 0, len(families))
	for k := range families {
		keys = append(keys, k)
		b.r.Series += len(families[k].GetMetric())
	}
	sort.Strings(keys)
	bodies, err := b.rec.bodies()
	if err != nil {
		return err
	}
	var floors, decodes []float64
	for i := 0; i < b.r.Runs; i++ {
		runtime.GC()
		c0 := cpuTime()
		for action, bs := range bodies {
			for _, body := range bs {
				if err := floorDecode(action, body); err != nil {
					return fmt.Errorf("floor decode %s: %w", action, err)
				}
			}
		}
		decodes = append(decodes, cpuTime()-c0)
		enc := expfmt.NewEncoder(io.Discard, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, k := range keys {
			if err := enc.Encode(families[k]); err != nil {
				return err
			}
		}
		floors = append(floors, cpuTime()-c0)
	}
	b.r.FloorCPUSec, b.r.FloorDecodeSec = median(floors), median(decodes)
	return nil
}
