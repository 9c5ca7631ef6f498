package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerSettings("round", RoundSettings{MaxDevicesPerProject: 5000, IncludeUnregisteredDevices: true,
		ActiveSessionWindow: config.Duration(2 * time.Minute)})
}

// RoundSettings are the keys of what a round shares.
type RoundSettings struct {
	// MaxDevicesPerProject caps each project's device list: the
	// cardinality guard of the device collectors.
	MaxDevicesPerProject int `yaml:"max_devices_per_project"`
	// IncludeUnregisteredDevices lists devices that log in without
	// registration too (DescribeDeviceList RegisterType 1).
	IncludeUnregisteredDevices bool `yaml:"include_unregistered_devices"`
	// ActiveSessionWindow: a session updated within it counts as active.
	ActiveSessionWindow config.Duration `yaml:"active_session_window"`
}

// Validate checks the keys' ranges.
func (s *RoundSettings) Validate() error {
	switch {
	case s.MaxDevicesPerProject < 1:
		return errors.New("max_devices_per_project: must be at least 1")
	case s.ActiveSessionWindow <= 0 || time.Duration(s.ActiveSessionWindow) > 2*time.Hour:
		return errors.New("active_session_window: must be between 0 and 2h (the API's recent-session window)")
	}
	return nil
}

// Round is what the scrapers of one API round share: the client, the
// clock, the account's filters, and the lists several collectors read
// (projects, each project's devices and recent sessions), each read at
// most once per round whoever asks first. Each shared list's demand is
// declared beside it, marked Shared so that the planner counts it once.
type Round struct {
	API API
	Now time.Time

	projectIDs []string // configured; empty means discover
	filters    config.Filters
	lister     *deviceLister

	projects memo[projectList]
	devices  memo[*deviceList] // project → its devices
	recent   memo[*recentList] // project → its recent sessions
	// listing bounds the recent-session lists read at once (see
	// RecentSessions).
	listing *semaphore.Weighted
}

func newRound(api API, now time.Time, projectIDs []string, filters config.Filters, lister *deviceLister) *Round {
	return &Round{API: api, Now: now, projectIDs: projectIDs, filters: filters, lister: lister,
		listing: semaphore.NewWeighted(listsAtOnce)}
}

// memo holds what a round computed once per key, whoever asked first.
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]*memoEntry[V]
}

type memoEntry[V any] struct {
	once sync.Once
	v    V
}

// get returns key's value, computing it on the first call for key; later
// callers wait for that computation.
func (m *memo[V]) get(key string, compute func() V) V {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[string]*memoEntry[V]{}
	}
	e := m.m[key]
	if e == nil {
		e = &memoEntry[V]{}
		m.m[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v = compute() })
	return e.v
}

// projectList is the round's DescribeProjectList, filtered by name.
type projectList struct {
	list      []trro.ProjectInfo
	truncated bool
	err       error
}

// Projects returns the project list from DescribeProjectList, fetched once
// per round whoever asks first: each project once, with an id, and
// include/exclude applied; truncated tells a list cut short at max_pages.
func (r *Round) Projects(ctx context.Context) (list []trro.ProjectInfo, truncated bool, err error) {
	p := r.projects.get("", func() projectList {
		var p projectList
		p.list, p.truncated, p.err = r.API.DescribeProjectList(ctx)
		p.list = slices.DeleteFunc(uniqueRows(p.list, projectID, func(p *trro.ProjectInfo) trro.ProjectInfo { return *p }),
			func(p trro.ProjectInfo) bool { return !r.filters.KeepProject(string(p.ProjectName)) })
		return p
	})
	return p.list, p.truncated, p.err
}

func projectID(p *trro.ProjectInfo) string { return string(p.ProjectID) }

// ProjectIDs returns the configured projects, or discovers them.
func (r *Round) ProjectIDs(ctx context.Context) ([]string, error) {
	if len(r.projectIDs) > 0 {
		return r.projectIDs, nil
	}
	ps, _, err := r.Projects(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ps))
	for i := range ps {
		ids[i] = projectID(&ps[i])
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

// listsAtOnce is how many projects' recent-session lists are read at once.
// Read all together, their pages share the action's rate limit and every
// list completes late; two at a time, the first lists complete early and
// session_details reads their sessions while the rest are listed, and two
// lists still fill the rate limit at API latencies up to 100 ms.
const listsAtOnce = 2

// recentList is one project's DescribeRecentSessionList.
type recentList struct {
	list      []trro.RecentSession
	truncated bool
	err       error
}

// recentWindow is the span DescribeRecentSessionList covers at most.
const recentWindow = 2 * time.Hour

// RecentSessions returns a project's sessions of the last two hours but
// those of excluded devices, fetched once per round for every collector
// that needs them; truncated tells a list cut short at max_pages.
func (r *Round) RecentSessions(ctx context.Context, projectID string) (list []trro.RecentSession, truncated bool, err error) {
	l := r.recent.get(projectID, func() *recentList {
		l := &recentList{}
		if err := r.listing.Acquire(ctx, 1); err != nil {
			l.err = &trro.Error{Action: trro.ActionDescribeRecentSessionList, Code: trro.CodeCanceled, Message: "scrape ended before the list was read"}
			return l
		}
		defer r.listing.Release(1)
		l.list, l.truncated, l.err = r.API.DescribeRecentSessionList(ctx, projectID, r.Now.Add(-recentWindow).Unix(), r.Now.Unix())
		if l.err == nil {
			var excluded func(string) bool
			if excluded, l.err = r.excludedDevices(ctx, projectID); l.err == nil {
				l.list = withoutDevices(l.list, excluded, func(s *trro.RecentSession) []trro.Text {
					return []trro.Text{s.FieldDeviceID, s.RemoteDeviceID}
				})
			}
		}
		return l
	})
	return l.list, l.truncated, l.err
}

// recentLists are the round's recent-session lists, as sizing counts them.
var recentLists = plan.List{Action: trro.ActionDescribeRecentSessionList, Window: recentWindow, PerProject: true, Items: "recent sessions"}

// recentDemand is the demand of the shared recent-session lists.
func recentDemand(f plan.Fleet, s Sizing) []plan.Demand {
	return append(append(discovery(f, s), deviceFilterDemand(f, s)...), plan.Demand{Action: recentLists.Action,
		Calls: plan.SumPages(f.Sizes(recentLists), s.PageSize, 0), Shared: true})
}

// deviceList is one project's DescribeDeviceList.
type deviceList struct {
	list      []trro.DeviceInfo
	truncated bool
	err       error
	excluded  map[string]bool // ids whose id or name device_exclude matches
}

// Devices returns a project's devices, read once per round for every
// collector that needs them.
func (r *Round) Devices(ctx context.Context, pid string) ([]trro.DeviceInfo, bool, error) {
	l := r.deviceList(ctx, pid)
	return l.list, l.truncated, l.err
}

func (r *Round) deviceList(ctx context.Context, pid string) *deviceList {
	return r.devices.get(pid, func() *deviceList {
		l := &deviceList{}
		l.list, l.truncated, l.err = r.lister.list(ctx, r.API, pid, r.Now)
		if re := r.filters.Devices; re != nil && l.err == nil {
			l.excluded = map[string]bool{}
			for _, d := range l.list {
				if re.MatchString(string(d.DeviceID)) || re.MatchString(string(d.DeviceName)) {
					l.excluded[string(d.DeviceID)] = true
				}
			}
		}
		return l
	})
}

// excludedDevices returns a test of a project's device ids against
// device_exclude (nil when unset). Names are matched through the project's
// device list: when it cannot be read, the project fails rather than show
// devices meant to be left out.
func (r *Round) excludedDevices(ctx context.Context, pid string) (func(id string) bool, error) {
	re := r.filters.Devices
	if re == nil {
		return nil, nil
	}
	l := r.deviceList(ctx, pid)
	if l.err != nil {
		return nil, l.err
	}
	return func(id string) bool { return l.excluded[id] || re.MatchString(id) }, nil
}

// deviceLists are the round's device lists, as sizing counts them: with
// the devices that log in without registration when the round asks for
// them (include_unregistered_devices).
func deviceLists(s Sizing) plan.List {
	return plan.List{Action: trro.ActionDescribeDeviceList, PerProject: true, Items: "devices listed", Unregistered: s.Unregistered}
}

// deviceListDemand is the demand of the shared device lists, each cut at
// max_devices_per_project.
func deviceListDemand(f plan.Fleet, s Sizing) plan.Demand {
	return plan.Demand{Action: trro.ActionDescribeDeviceList, Calls: plan.SumPages(f.Sizes(deviceLists(s)), s.PageSize, s.MaxDevicesPerProject), Shared: true}
}

// deviceFilterDemand is the device lists device_exclude reads, shared with
// device_status.
func deviceFilterDemand(f plan.Fleet, s Sizing) []plan.Demand {
	if !s.DeviceFilter {
		return nil
	}
	return []plan.Demand{deviceListDemand(f, s)}
}

// projectWorkers bounds the projects a collector works on at once. The
// client's rate limits and connection slots bound the calls anyway; a
// goroutine per project, each parked on the rate limiter with its own
// timer, costs CPU for nothing at hundreds of projects.
const projectWorkers = 16

// errDiscovery marks a failed project discovery: no project was worked on.
var errDiscovery = errors.New("project discovery")

// discoveryError is a failed project discovery with its cause: one error
// (not two joined), so that the log line shows the cause's action, code
// and request id.
type discoveryError struct{ err error }

func (e discoveryError) Error() string        { return "project discovery: " + e.err.Error() }
func (e discoveryError) Unwrap() error        { return e.err }
func (e discoveryError) Is(target error) bool { return target == errDiscovery }

// perProject runs fetch for every project of the round, projectWorkers at
// a time, and returns the projects and what fetch returned for each, in the
// same order, joining the errors, each naming its project. A failed project
// does not stop the others: their data is still exported.
func perProject[R any](ctx context.Context, r *Round, fetch func(projectID string) (R, error)) ([]string, []R, error) {
	ids, err := r.ProjectIDs(ctx)
	if err != nil {
		return nil, nil, discoveryError{err}
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
