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
	// Families are the metric families its results may write.
	Families() []*Family
	// Fetch calls the API. It always returns a Result, partial when err is
	// not nil: an error marks the collector failed for this scrape but keeps
	// what it got.
	Fetch(ctx context.Context, r *Round) (Result, error)
}

// Result is what one Fetch got. It is never changed after Fetch returns, so
// it can be written to every scrape that shares the round and kept for
// min_interval.
type Result interface {
	// Write sends the samples, family by family.
	Write(s *Sink)
}

// truncation is implemented by the results of collectors with a
// cardinality guard.
type truncation interface{ Truncated() bool }

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

// truncatedFamily is shared by the collectors that have a cardinality guard.
var truncatedFamily = gaugeFamily("trro_collector_truncated",
	"1 if the collector hit max_devices_per_project in this scrape and exported only that many devices of a project.",
	"collector")

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

// projectWorkers bounds the projects a collector works on at once. The
// client's rate limits and connection slots (10) bound the calls anyway; a
// goroutine per project, each parked on the rate limiter with its own
// timer, cost about 40 % more CPU per scrape at 500 projects (BENCHMARKS.md).
const projectWorkers = 16

// perProject runs fetch for every project of the round, projectWorkers at
// a time in project order, and returns the projects and what fetch returned
// for each, in the same order, joining the errors, each naming its project.
func perProject[R any](ctx context.Context, r *Round, fetch func(projectID string) (R, error)) ([]string, []R, error) {
	ids, err := r.ProjectIDs(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("project discovery: %w", err)
	}
	out := make([]R, len(ids))
	errs := make([]error, len(ids))
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range min(len(ids), projectWorkers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ids) {
					return
				}
				var err error
				if out[i], err = fetch(ids[i]); err != nil {
					errs[i] = fmt.Errorf("project %s: %w", ids[i], err)
				}
			}
		}()
	}
	wg.Wait()
	return ids, out, errors.Join(errs...)
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

// deviceRows are the rows a device collector keeps, per project in the
// round's project order.
type deviceRows[R any] struct {
	projects  []string
	rows      [][]R
	truncated bool
}

func (d *deviceRows[R]) Truncated() bool { return d.truncated }

// each calls fn for every row, project by project.
func (d *deviceRows[R]) each(fn func(projectID string, row *R)) {
	for i, pid := range d.projects {
		for j := range d.rows[i] {
			fn(pid, &d.rows[i][j])
		}
	}
}

// fetchDevices runs list for every project under the cardinality guard and
// keeps each device once, as the row toRow makes of it.
func fetchDevices[T, R any](ctx context.Context, r *Round, g *guard,
	list func(projectID string) ([]T, bool, error), id func(*T) string, toRow func(*T) R) (*deviceRows[R], error) {
	var truncated atomic.Bool
	ids, rows, err := perProject(ctx, r, func(pid string) ([]R, error) {
		devs, trunc, err := list(pid)
		if err != nil {
			return nil, err
		}
		g.note(pid, trunc)
		if trunc {
			truncated.Store(true)
		}
		seen := make(map[string]bool, len(devs))
		out := make([]R, 0, len(devs))
		for k := range devs {
			if did := id(&devs[k]); did != "" && !seen[did] {
				seen[did] = true
				out = append(out, toRow(&devs[k]))
			}
		}
		return out, nil
	})
	return &deviceRows[R]{projects: ids, rows: rows, truncated: truncated.Load()}, err
}
