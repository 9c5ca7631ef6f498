// Package collector turns TRRO API answers into Prometheus metrics. Each
// API resource is a Scraper in a file of its own; the Exporter runs the
// enabled ones in parallel on every scrape, one API round shared by all
// concurrent scrapes.
package collector

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

// API is the part of the TRRO client the scrapers use.
type API interface {
	DescribeProjectList(ctx context.Context) ([]trro.ProjectInfo, bool, error)
	DescribeSessionStatisticsByInterval(ctx context.Context, projectID, interval string, start, end int64) ([]trro.SessionIntervalStatistic, error)
	GetLicenses(ctx context.Context) ([]trro.License, bool, error)
	GetDevices(ctx context.Context, projectID string, limit int) ([]trro.DeviceLicense, bool, error)
	DescribeDeviceList(ctx context.Context, projectID string, limit int, unregistered bool) ([]trro.DeviceInfo, bool, error)
	DescribeRecentSessionList(ctx context.Context, projectID string, start, end int64) ([]trro.RecentSession, bool, error)
	DescribeDeviceSessionList(ctx context.Context, projectID string, start, end int64) ([]trro.DeviceSession, bool, error)
	GetLicenseStat(ctx context.Context) (trro.LicenseStat, error)
	GetTotalDuration(ctx context.Context, projectID string, start, end int64) (trro.TotalDuration, error)
	DescribeDeviceSessionDetails(ctx context.Context, sessionID string, start, end int64) ([]trro.SessionDeviceDetail, error)
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
	// Demand is what one Fetch costs in API calls for fleet f: the budget
	// planner sums it.
	Demand(f plan.Fleet, s Sizing) []plan.Demand
}

// SeriesEstimate is what a collector whose series a cap bounds exports for
// a fleet: about Now series at its present size, at most Max.
type SeriesEstimate struct {
	Now, Max int
	// How says how they were counted, for people.
	How string
}

// seriesBounded is implemented by the collectors whose series a cap of
// their own bounds.
type seriesBounded interface {
	Series(f plan.Fleet) SeriesEstimate
}

// Sizing is what a scraper's demand depends on besides the fleet.
type Sizing struct {
	PageSize int
	// Discover: projects come from DescribeProjectList.
	Discover bool
	// DeviceFilter: device_exclude reads every project's device list.
	DeviceFilter bool
	// MaxDevicesPerProject caps the device lists.
	MaxDevicesPerProject int
	// Unregistered: the device lists hold the devices that log in without
	// registration too.
	Unregistered bool
}

// Result is what one Fetch got. It is never changed after Fetch returns, so
// it can be written to every scrape that shares the round and kept for
// min_interval.
type Result interface {
	// Write sends the samples, family by family.
	Write(s Sink)
}

// truncation is implemented by the results of collectors with a
// cardinality guard.
type truncation interface{ Truncated() bool }

// truncatedFamily is shared by the collectors that have a cardinality guard.
var truncatedFamily = gaugeFamily("trro_collector_truncated",
	"1 if the collector exported only part in this scrape: it hit a cap (max_devices_per_project, max_licenses, max_live_sessions, max_session_devices), or a list without a usable total ran past max_pages, or a list ended before the total it reported.",
	"collector")

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
// keeps each device once, as the row toRow makes of it, but those
// device_exclude leaves out.
func fetchDevices[T, R any](ctx context.Context, r *Round, g *guard,
	list func(projectID string) ([]T, bool, error), id func(*T) string, toRow func(*T) R) (*deviceRows[R], error) {
	var truncated atomic.Bool
	ids, rows, err := perProject(ctx, r, func(pid string) ([]R, error) {
		devs, trunc, err := list(pid)
		if err != nil {
			return nil, err
		}
		excluded, err := r.excludedDevices(ctx, pid)
		if err != nil {
			return nil, err
		}
		devs = withoutDevices(devs, excluded, func(d *T) []trro.Text { return []trro.Text{trro.Text(id(d))} })
		g.note(pid, trunc)
		if trunc {
			truncated.Store(true)
		}
		return uniqueRows(devs, id, toRow), nil
	})
	return &deviceRows[R]{projects: ids, rows: rows, truncated: truncated.Load()}, err
}

// uniqueRows makes a row of each item with a new, non-empty id: the API
// lists an item twice at times, when pages shift under a reader.
func uniqueRows[T, R any](items []T, id func(*T) string, toRow func(*T) R) []R {
	seen := make(map[string]bool, len(items))
	out := make([]R, 0, len(items))
	for k := range items {
		if did := id(&items[k]); did != "" && !seen[did] {
			seen[did] = true
			out = append(out, toRow(&items[k]))
		}
	}
	return out
}

// unique keeps the first item of each non-empty id: the API lists an item
// twice at times, when pages shift under a reader.
func unique[T any](items []T, id func(*T) string) []T {
	return uniqueRows(items, id, func(t *T) T { return *t })
}

// projectCounts are what a per-project counting collector found: each
// project's counts, written family by family by its writers.
type projectCounts[C any] struct {
	projects  []string
	counts    []C
	writers   []func(s Sink, projectID string, c *C)
	truncated bool // some project's list was cut short at max_pages
}

func (res *projectCounts[C]) Truncated() bool { return res.truncated }

func (res *projectCounts[C]) Write(s Sink) {
	for _, w := range res.writers {
		for i, pid := range res.projects {
			w(s, pid, &res.counts[i])
		}
	}
}

// perProjectCounts counts every project of the round with count, which
// also tells whether the list it counted was cut short; each writer
// writes one family.
func perProjectCounts[C any](ctx context.Context, r *Round, count func(projectID string) (C, bool, error),
	writers ...func(s Sink, projectID string, c *C)) (Result, error) {
	var truncated atomic.Bool
	ids, counts, err := perProject(ctx, r, func(pid string) (C, error) {
		c, cut, err := count(pid)
		if cut {
			truncated.Store(true)
		}
		return c, err
	})
	return &projectCounts[C]{projects: ids, counts: counts, writers: writers, truncated: truncated.Load()}, err
}
