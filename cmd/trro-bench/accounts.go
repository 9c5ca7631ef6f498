package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/trro-exporter/trro_exporter/collector"
)

// accountFailed matches a failed collector or a cut list of any account.
var accountFailed = regexp.MustCompile(`trro_scrape_collector_success\{[^}]*\} 0|trro_collector_truncated\{[^}]*\} 1|trro_up\{[^}]*\} 0`)

// accountsResult is one fleet split in two halves, each behind a stand-in of
// its own: the scrape time of one half as one account, of both halves as
// two accounts of one exporter, and of the whole fleet as one account.
type accountsResult struct {
	Projects, Devices          int
	HalfSec, TwoSec, WholeSec  float64 // medians
	ProbesSec                  float64 // both halves as two /probe targets scraped at once
	HalfCalls, TwoCalls, Whole int
}

// compareAccounts measures accountsResult for each size (projects of the
// whole fleet) and prints a table.
func compareAccounts(w io.Writer, standin, sizes string, devices, licenses int, latency time.Duration, runs int) error {
	fmt.Fprintf(w, "API latency %v, rate limit %g calls/s per action per account, medians of %d scrapes\n\n", latency, rateLimit, runs)
	fmt.Fprintln(w, "| projects (whole fleet) | devices | one account, half the fleet: s | two accounts, a half each: s | ratio | the two as separate targets at once: s | ratio | whole fleet in one account: s | calls (half, two, whole) |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 {
			return fmt.Errorf("bad size %q: the fleet must split in two", s)
		}
		r, err := measureAccounts(standin, n, devices, licenses, latency, runs)
		if err != nil {
			return fmt.Errorf("%d projects: %w", n, err)
		}
		fmt.Fprintf(w, "| %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d, %d, %d |\n", r.Projects, r.Devices, r.HalfSec, r.TwoSec,
			r.TwoSec/r.HalfSec, r.ProbesSec, r.ProbesSec/r.HalfSec, r.WholeSec, r.HalfCalls, r.TwoCalls, r.Whole)
	}
	return nil
}

func measureAccounts(standin string, projects, devices, licenses int, latency time.Duration, runs int) (accountsResult, error) {
	r := accountsResult{Projects: projects, Devices: devices}
	perProject := max(devices/projects, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Two halves, and the whole fleet for comparison.
	var bases [3]string
	for i, p := range []int{projects / 2, projects - projects/2, projects} {
		share := max(p*licenses/projects, 1)
		live := liveSessions * p / projects
		var err error
		if bases[i], err = startStandin(ctx, standin, p, perProject, share, latency, live); err != nil {
			return r, err
		}
	}
	var err error
	half := []string{bases[1]} // the larger half
	if r.HalfSec, r.HalfCalls, err = scrapeAccounts(half, perProject, runs, false); err != nil {
		return r, fmt.Errorf("one account: %w", err)
	}
	if r.TwoSec, r.TwoCalls, err = scrapeAccounts(bases[:2], perProject, runs, false); err != nil {
		return r, fmt.Errorf("two accounts: %w", err)
	}
	if r.ProbesSec, _, err = scrapeAccounts(bases[:2], perProject, runs, true); err != nil {
		return r, fmt.Errorf("two targets: %w", err)
	}
	if r.WholeSec, r.Whole, err = scrapeAccounts(bases[2:], perProject, runs, false); err != nil {
		return r, fmt.Errorf("whole fleet: %w", err)
	}
	return r, nil
}

// scrapeAccounts builds one exporter per stand-in (an account each, with
// its own client) behind one /metrics handler, or with separate, one
// handler each scraped at the same time (as /probe targets would be);
// scrapes once to warm up, then returns the median time of runs scrapes and
// the API calls of one. Any failed collector or account fails the
// measurement.
func scrapeAccounts(bases []string, perProject, runs int, separate bool) (float64, int, error) {
	var exporters []*collector.Exporter
	for i, base := range bases {
		client, e, err := newExporter(base, fmt.Sprintf("account-%d", i), perProject, collector.NewAPIMetrics(), nil)
		if err != nil {
			return 0, 0, err
		}
		defer client.Close()
		exporters = append(exporters, e)
	}
	groups := [][]*collector.Exporter{exporters}
	if separate {
		groups = nil
		for _, e := range exporters {
			groups = append(groups, []*collector.Exporter{e})
		}
	}
	// scrape serves every group at once and waits for the last.
	scrape := func() error {
		var g errgroup.Group
		for _, group := range groups {
			g.Go(func() error { return scrapeGroup(group) })
		}
		return g.Wait()
	}
	if err := scrape(); err != nil {
		return 0, 0, err
	}
	var walls []float64
	calls := 0
	for range runs {
		for _, b := range bases {
			http.Post(b+"/stats/reset", "text/plain", nil)
		}
		t0 := time.Now()
		if err := scrape(); err != nil {
			return 0, 0, err
		}
		walls = append(walls, time.Since(t0).Seconds())
		calls = 0
		for _, b := range bases {
			st, err := standinStats(b)
			if err != nil {
				return 0, 0, err
			}
			calls += sum(st.Calls)
		}
	}
	return median(walls), calls, nil
}

// scrapeGroup scrapes one handler over the group's exporters and checks
// that every account answered in full.
func scrapeGroup(group []*collector.Exporter) error {
	handler := collector.Handler(func() []*collector.Exporter { return group }, prometheus.NewRegistry(), collector.HandlerOptions{})
	var page bytes.Buffer
	pw := &pageWriter{h: http.Header{}, w: &page}
	handler.ServeHTTP(pw, httptest.NewRequest("GET", "/metrics", nil))
	body := page.Bytes()
	switch {
	case pw.status != http.StatusOK:
		return fmt.Errorf("scrape: status %d", pw.status)
	case accountFailed.Match(body):
		return fmt.Errorf("scrape failed: %s", accountFailed.Find(body))
	case bytes.Count(body, []byte("\ntrro_up{")) != len(group):
		return fmt.Errorf("scrape has %d accounts, want %d", bytes.Count(body, []byte("\ntrro_up{")), len(group))
	}
	return nil
}
