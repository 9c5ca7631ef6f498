// Package collector turns TRRO API answers into Prometheus metrics. Each
// API resource is a Scraper in a file of its own; the Exporter runs the
// enabled ones in parallel on every scrape, one API round shared by all
// concurrent scrapes.
package collector

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
)

const namespace = "trro"

// API is the part of the TRRO client the scrapers use.
type API interface {
	DescribeProjectList(ctx context.Context) ([]trro.ProjectInfo, error)
	DescribeSessionStatisticsByInterval(ctx context.Context, projectID, interval string, start, end int64) ([]trro.SessionIntervalStatistic, error)
	GetLicenses(ctx context.Context) ([]trro.License, error)
	GetDevices(ctx context.Context, projectID string, limit int) ([]trro.DeviceLicense, bool, error)
	DescribeDeviceList(ctx context.Context, projectID string, limit int) ([]trro.DeviceInfo, bool, error)
	DescribeRecentSessionList(ctx context.Context, projectID string, start, end int64) ([]trro.RecentSession, error)
	DescribeDeviceSessionList(ctx context.Context, projectID string, start, end int64) ([]trro.DeviceSession, error)
	GetLicenseStat(ctx context.Context) (trro.LicenseStat, error)
}

// Scraper is one source of metrics, behind one API resource.
type Scraper interface {
	// Name is the collector name used in flags, config and labels.
	Name() string
	// Describe sends the descriptors of every metric Scrape may send.
	Describe(ch chan<- *prometheus.Desc)
	// Scrape sends metrics; an error marks the collector failed for this
	// scrape but keeps what it sent.
	Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error
}

// Settings are what a scraper factory may use.
type Settings struct {
	// Intervals are the statistic intervals of the sessions collector.
	Intervals []string
	// MaxDevicesPerProject is the cardinality guard of device collectors.
	MaxDevicesPerProject int
	// ActiveSessionWindow: a session updated within it counts as active.
	ActiveSessionWindow time.Duration
	// SessionQualityLookback is how far back session_quality reads.
	SessionQualityLookback time.Duration
	Logger                 log.Logger
}

// truncatedDesc is shared by the collectors that have a cardinality guard.
var truncatedDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "collector", "truncated"),
	"1 if the collector hit max_devices_per_project in this scrape and exported only that many devices of a project.",
	[]string{"collector"}, nil)

type factory struct {
	defaultOn bool
	new       func(Settings) Scraper
}

var factories = map[string]factory{}

func registerCollector(name string, defaultOn bool, f func(Settings) Scraper) {
	factories[name] = factory{defaultOn: defaultOn, new: f}
}

// Names lists the known collectors, sorted.
func Names() []string {
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DefaultEnabled reports a collector's default state.
func DefaultEnabled(name string) bool { return factories[name].defaultOn }

// Round is what the scrapers of one API round share: the client, the
// clock, and the project list, fetched at most once.
type Round struct {
	API    API
	Now    time.Time
	Logger log.Logger

	projectIDs []string // configured; empty means discover

	once     sync.Once
	projects []trro.ProjectInfo
	projErr  error
}

// Projects returns the project list from DescribeProjectList, fetched once
// per round whoever asks first.
func (r *Round) Projects(ctx context.Context) ([]trro.ProjectInfo, error) {
	r.once.Do(func() { r.projects, r.projErr = r.API.DescribeProjectList(ctx) })
	return r.projects, r.projErr
}

// ProjectIDs returns the configured projects, or discovers them.
func (r *Round) ProjectIDs(ctx context.Context) ([]string, error) {
	if len(r.projectIDs) > 0 {
		return r.projectIDs, nil
	}
	ps, err := r.Projects(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ps))
	seen := map[string]bool{}
	for _, p := range ps {
		if p.ProjectID != "" && !seen[p.ProjectID] {
			seen[p.ProjectID] = true
			ids = append(ids, p.ProjectID)
		}
	}
	return ids, nil
}

// eachProject runs fn for every project of the round at once (the client
// bounds the real concurrency and rate) and joins the errors, each naming
// its project.
func eachProject(ctx context.Context, r *Round, fn func(projectID string) error) error {
	ids, err := r.ProjectIDs(ctx)
	if err != nil {
		return fmt.Errorf("project discovery: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(id); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("project %s: %w", id, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// guard logs the first time a project is truncated, not on every scrape.
type guard struct {
	collector string
	limit     int
	logger    log.Logger
	logged    sync.Map
}

func (g *guard) note(projectID string, truncated bool) {
	if !truncated {
		return
	}
	if _, seen := g.logged.LoadOrStore(projectID, true); !seen {
		level.Warn(g.logger).Log("msg", "project has more devices than max_devices_per_project; exporting the first ones only",
			"collector", g.collector, "project_id", projectID, "max_devices_per_project", g.limit)
	}
}

// positive treats zero and negative times as missing: the API sends 0 where
// there is no value.
func positive(v trro.Int) trro.Int {
	if v.Valid && v.Value <= 0 {
		return trro.Int{}
	}
	return v
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// scrapeDevices runs list for every project under the cardinality guard,
// emits each device once, and reports trro_collector_truncated.
func scrapeDevices[T any](ctx context.Context, r *Round, g *guard, ch chan<- prometheus.Metric,
	list func(projectID string) ([]T, bool, error), id func(T) string, emit func(projectID string, dev T)) error {
	var truncated atomic.Bool
	err := eachProject(ctx, r, func(pid string) error {
		devs, trunc, err := list(pid)
		if err != nil {
			return err
		}
		g.note(pid, trunc)
		if trunc {
			truncated.Store(true)
		}
		seen := make(map[string]bool, len(devs))
		for _, d := range devs {
			if did := id(d); did != "" && !seen[did] {
				seen[did] = true
				emit(pid, d)
			}
		}
		return nil
	})
	ch <- prometheus.MustNewConstMetric(truncatedDesc, prometheus.GaugeValue, boolValue(truncated.Load()), g.collector)
	return err
}
