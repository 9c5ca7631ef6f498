// Package collector turns TRRO API answers into Prometheus metrics. Each
// API resource is a Scraper in a file of its own; the Exporter runs the
// enabled ones in parallel on every scrape, one API round shared by all
// concurrent scrapes.
package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"golang.org/x/sync/errgroup"

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

// Sizing is what a scraper's demand depends on besides the fleet.
type Sizing struct {
	PageSize int
	// Discover: projects come from DescribeProjectList.
	Discover bool
	// DeviceFilter: device_exclude reads every project's device list.
	DeviceFilter bool
	// MaxDevicesPerProject caps the device lists.
	MaxDevicesPerProject int
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

// Settings are what a scraper factory may use.
type Settings struct {
	// Intervals are the statistic intervals of the sessions collector.
	Intervals []string
	// MaxDevicesPerProject is the cardinality guard of device collectors.
	MaxDevicesPerProject int
	// IncludeUnregisteredDevices lists devices that log in without
	// registration too (DescribeDeviceList RegisterType 1).
	IncludeUnregisteredDevices bool
	// MaxLicenses is the cardinality guard of the licenses collector.
	MaxLicenses int
	// ActiveSessionWindow: a session updated within it counts as active.
	ActiveSessionWindow time.Duration
	// SessionQualityLookback is how far back session_quality reads.
	SessionQualityLookback time.Duration
	// MaxLiveSessions caps the sessions session_details follows per round.
	MaxLiveSessions int
	// SessionDetailsRetention: a device's session series go once it has had
	// no session for this long.
	SessionDetailsRetention time.Duration
	Logger                  log.Logger
	// drops counts what collectors drop from answers; the exporter's own.
	drops *drops
}

// truncatedFamily is shared by the collectors that have a cardinality guard.
var truncatedFamily = gaugeFamily("trro_collector_truncated",
	"1 if the collector exported only part in this scrape: it hit a cap (max_devices_per_project, max_live_sessions), or a list without a usable total ran past max_pages.",
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

// LabelNames are the label names of the exporter's series, sorted: static
// labels may not take them.
func LabelNames() []string {
	labelNamesOnce.Do(func() { labelNames = ownLabelNames() })
	return slices.Clone(labelNames)
}

var (
	labelNamesOnce sync.Once
	labelNames     []string
)

func ownLabelNames() []string {
	e, err := New(Options{Collectors: Names(), APIMetrics: NewAPIMetrics(), Timeout: time.Second,
		ActiveSessionWindow: time.Minute, SessionQualityLookback: time.Hour, SessionDetailsRetention: time.Hour,
		MaxDevicesPerProject: 1, MaxLiveSessions: 1, MaxLicenses: 1})
	if err != nil {
		panic(err)
	}
	names := []string{AccountLabel}
	for _, f := range e.families() {
		names = append(names, f.labels...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// DefaultEnabled reports a collector's default state.
func DefaultEnabled(name string) bool { return factories[name].defaultOn }

// Round is what the scrapers of one API round share: the client, the
// clock, and the project list, fetched at most once.
type Round struct {
	API API
	Now time.Time

	projectIDs []string // configured; empty means discover
	filters    filters
	lister     *deviceLister

	once      sync.Once
	projects  []trro.ProjectInfo
	projTrunc bool
	projErr   error

	mu      sync.Mutex
	devices map[string]*deviceList // project → its devices
	recent  map[string]*recentList // project → its recent sessions
	// listing bounds the recent-session lists read at once (see
	// RecentSessions).
	listing chan struct{}
}

// listsAtOnce is how many projects' recent-session lists are read at once.
// Read all together, their pages share the action's rate limit and every
// list completes late; two at a time, the first lists complete early and
// session_details reads their sessions while the rest are listed, and two
// lists still fill the rate limit at API latencies up to 100 ms.
const listsAtOnce = 2

// recentList is one project's DescribeRecentSessionList, fetched once per
// round whoever asks first.
type recentList struct {
	once      sync.Once
	list      []trro.RecentSession
	truncated bool
	err       error
}

// recentWindow is the span DescribeRecentSessionList covers at most.
const recentWindow = 2 * time.Hour

// RecentSessions returns a project's sessions of the last two hours,
// fetched once per round for every collector that needs them; truncated
// tells a list cut short at max_pages.
func (r *Round) RecentSessions(ctx context.Context, projectID string) (list []trro.RecentSession, truncated bool, err error) {
	r.mu.Lock()
	if r.recent == nil {
		r.recent = map[string]*recentList{}
		r.listing = make(chan struct{}, listsAtOnce)
	}
	l := r.recent[projectID]
	if l == nil {
		l = &recentList{}
		r.recent[projectID] = l
	}
	r.mu.Unlock()
	l.once.Do(func() {
		select {
		case r.listing <- struct{}{}:
			defer func() { <-r.listing }()
		case <-ctx.Done():
			l.err = &trro.Error{Action: trro.ActionDescribeRecentSessionList, Code: trro.CodeCanceled, Message: "scrape ended before the list was read"}
			return
		}
		l.list, l.truncated, l.err = r.API.DescribeRecentSessionList(ctx, projectID, r.Now.Add(-recentWindow).Unix(), r.Now.Unix())
		if l.err == nil {
			var excluded func(string) bool
			if excluded, l.err = r.excludedDevices(ctx, projectID); l.err == nil {
				l.list = withoutDevices(l.list, excluded, func(s *trro.RecentSession) []trro.Text {
					return []trro.Text{s.FieldDeviceID, s.RemoteDeviceID}
				})
			}
		}
	})
	return l.list, l.truncated, l.err
}

// recentDemand is the demand of the shared recent-session lists.
func recentDemand(f plan.Fleet, s Sizing) []plan.Demand {
	return append(append(discovery(f, s), deviceFilterDemand(f, s)...), plan.Demand{Action: trro.ActionDescribeRecentSessionList,
		Calls: plan.SumPages(f.RecentSessions, s.PageSize, 0), Shared: true})
}

// Projects returns the project list from DescribeProjectList, fetched once
// per round whoever asks first; truncated tells a list cut short at
// max_pages.
func (r *Round) Projects(ctx context.Context) (list []trro.ProjectInfo, truncated bool, err error) {
	r.once.Do(func() {
		r.projects, r.projTrunc, r.projErr = r.API.DescribeProjectList(ctx)
		if r.filters.include != nil || r.filters.exclude != nil {
			r.projects = slices.DeleteFunc(slices.Clone(r.projects), func(p trro.ProjectInfo) bool { return !r.filters.keepProject(&p) })
		}
	})
	return r.projects, r.projTrunc, r.projErr
}

// ProjectIDs returns the configured projects, or discovers them.
func (r *Round) ProjectIDs(ctx context.Context) ([]string, error) {
	if len(r.projectIDs) > 0 {
		return r.projectIDs, nil
	}
	ps, _, err := r.Projects(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ps))
	seen := map[string]bool{}
	for _, p := range ps {
		if id := string(p.ProjectID); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// discovery is the demand of the shared project list, for collectors that
// work per project.
func discovery(f plan.Fleet, s Sizing) []plan.Demand {
	if !s.Discover {
		return nil
	}
	return []plan.Demand{{Action: trro.ActionDescribeProjectList, Calls: plan.Pages(f.Projects, s.PageSize), Shared: true}}
}

// projectWorkers bounds the projects a collector works on at once. The
// client's rate limits and connection slots bound the calls anyway; a
// goroutine per project, each parked on the rate limiter with its own
// timer, costs CPU for nothing at hundreds of projects.
const projectWorkers = 16

// errDiscovery marks a failed project discovery: no project was worked on.
var errDiscovery = errors.New("project discovery")

// perProject runs fetch for every project of the round, projectWorkers at
// a time, and returns the projects and what fetch returned for each, in the
// same order, joining the errors, each naming its project. A failed project
// does not stop the others: their data is still exported.
func perProject[R any](ctx context.Context, r *Round, fetch func(projectID string) (R, error)) ([]string, []R, error) {
	ids, err := r.ProjectIDs(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errDiscovery, err)
	}
	out := make([]R, len(ids))
	errs := make([]error, len(ids))
	var g errgroup.Group
	g.SetLimit(projectWorkers)
	for i, id := range ids {
		g.Go(func() error {
			var err error
			if out[i], err = fetch(id); err != nil {
				errs[i] = fmt.Errorf("project %s: %w", id, err)
			}
			return nil
		})
	}
	g.Wait()
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

// devicePages is the demand of a device list read per project; the
// DescribeDeviceList one is shared with device_exclude.
func devicePages(action string, f plan.Fleet, s Sizing, maxPerProject int) []plan.Demand {
	d := append(discovery(f, s), deviceFilterDemand(f, s)...)
	return append(d, plan.Demand{Action: action, Calls: plan.SumPages(f.Devices, s.PageSize, maxPerProject),
		Shared: action == trro.ActionDescribeDeviceList})
}
