//go:build soak

// Long load and soak runs: `make soak` (CI runs it too, bounded), not the
// test command.

package collector_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

// sampler records the peak goroutine count while a test runs.
type sampler struct {
	peak atomic.Int64
	stop chan struct{}
	done chan struct{}
}

func sample() *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			if n := int64(runtime.NumGoroutine()); n > s.peak.Load() {
				s.peak.Store(n)
			}
			select {
			case <-s.stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return s
}

func (s *sampler) end() int64 { close(s.stop); <-s.done; return s.peak.Load() }

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestLoadCoalescing: 8 scrapers hammer a slow API (50 ms a call) for 3 s.
// Scrapes that overlap share a round, so API calls grow with rounds, not
// with scrapes. Figures go to the README's reliability section.
func TestLoadCoalescing(t *testing.T) {
	e := newEnv(t, standin.Generate(standin.DefaultSpec, now), envOpts{})
	e.srv.Latency = 50 * time.Millisecond
	e.scrape(t, "")
	perRound := e.srv.Calls("")
	e.srv.ResetStats()

	goroutinesBefore := runtime.NumGoroutine()
	s := sample()
	var scrapes atomic.Int64
	deadline := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if code, _ := e.scrape(t, ""); code != 200 {
					t.Errorf("status %d", code)
				}
				scrapes.Add(1)
			}
		}()
	}
	wg.Wait()
	peak := s.end()
	calls := e.srv.Calls("")
	rounds := float64(calls) / float64(perRound)
	t.Logf("load: 8 scrapers, 3s, API latency 50ms: %d scrapes served, %d API calls (%.1f rounds of %d calls), %.2f calls per scrape vs %d without coalescing; peak goroutines %d (before %d)",
		scrapes.Load(), calls, rounds, perRound, float64(calls)/float64(scrapes.Load()), perRound, peak, goroutinesBefore)
	if float64(calls) > float64(perRound)*float64(scrapes.Load())/4 {
		t.Errorf("%d calls for %d scrapes: concurrent scrapes are not sharing rounds", calls, scrapes.Load())
	}
	if scrapes.Load() < 16 {
		t.Errorf("only %d scrapes served", scrapes.Load())
	}
}

// TestSoak: thousands of scrapes with a random fault on a random action
// each time. Goroutines and heap must come back to where they started.
func TestSoak(t *testing.T) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("SOAK_SCRAPES")); err == nil && v > 0 {
		n = v
	}
	e := newEnv(t, standin.Generate(standin.DefaultSpec, now), envOpts{client: func(o *trro.Options) {
		o.MaxRetries = 1
		o.RetryBackoff = time.Millisecond
		o.RequestTimeout = 30 * time.Millisecond
		o.RateLimit = 1e5
		o.MaxBodyBytes = 1 << 20
	}})
	actions := []string{"DescribeProjectList", "DescribeSessionStatisticsByInterval", "GetLicenses", "GetDevices",
		"DescribeDeviceList", "DescribeRecentSessionList", "DescribeDeviceSessionList", "GetLicenseStat", "GetTotalDuration",
		"DescribeDeviceSessionDetails"}
	faults := []standin.Fault{
		{Kind: standin.FaultError, Code: "InternalError"}, {Kind: standin.FaultError, Code: "RequestLimitExceeded"},
		{Kind: standin.FaultHTTP, Status: 503}, {Kind: standin.FaultInvalidJSON}, {Kind: standin.FaultTruncated},
		{Kind: standin.FaultNulls}, {Kind: standin.FaultReset}, {Kind: standin.FaultSlow, Delay: 60 * time.Millisecond},
		{Kind: standin.FaultOversized, Size: 2 << 20}, {Kind: standin.FaultTotal, Delta: 50},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	warm := func(k int) {
		for i := 0; i < k; i++ {
			a := actions[rng.IntN(len(actions))]
			f := faults[rng.IntN(len(faults))]
			e.srv.SetFault(a, &f)
			if code, _ := e.scrape(t, "2"); code != 200 {
				t.Fatalf("scrape %d: status %d", i, code)
			}
			e.srv.SetFault(a, nil)
		}
	}
	warm(50)
	e.client.Close()
	g0, h0 := runtime.NumGoroutine(), heapAfterGC()
	start := time.Now()
	s := sample()
	warm(n / 2)
	hMid := heapAfterGC()
	warm(n - n/2)
	peak := s.end()
	e.client.Close()
	time.Sleep(100 * time.Millisecond) // let closed connections' goroutines exit
	g1, h1 := runtime.NumGoroutine(), heapAfterGC()
	mib := func(b uint64) float64 { return float64(b) / (1 << 20) }
	t.Logf("soak: %d scrapes with random faults in %v: goroutines %d -> %d (peak %d), heap %.2f MiB -> %.2f MiB at half-time -> %.2f MiB at the end",
		n, time.Since(start).Round(time.Millisecond), g0, g1, peak, mib(h0), mib(hMid), mib(h1))
	if g1 > g0+2 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	// The first half may fill bounded structures (counters per action and
	// code); the second half must not add to them.
	if h1 > h0+8<<20 || h1 > hMid+1<<20 {
		t.Errorf("heap grew: %d, %d, %d bytes", h0, hMid, h1)
	}
}
