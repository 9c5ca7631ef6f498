package collector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

// Options configure an Exporter.
type Options struct {
	// Account names the account: the account label of every series.
	Account string
	// Labels are static labels added to every series.
	Labels map[string]string
	API    API
	// APIMetrics are the account's API call metrics, written with its
	// series (nil: none).
	APIMetrics *APIMetrics
	Logger     log.Logger
	// Include and Exclude filter discovered projects by name; DeviceExclude
	// leaves out devices by id or name, and their sessions (nil: unset).
	Include, Exclude, DeviceExclude *regexp.Regexp
	// Collectors are the enabled collector names.
	Collectors []string
	// ProjectIDs limits the exporter to these projects; empty discovers.
	ProjectIDs []string
	// Intervals are the statistic intervals (hour, day, month).
	Intervals []string
	// Timeout bounds one API round when the caller has no deadline.
	Timeout time.Duration
	// MaxDevicesPerProject caps the devices exported per project.
	MaxDevicesPerProject int
	// IncludeUnregisteredDevices lists devices that log in without
	// registration too.
	IncludeUnregisteredDevices bool
	// MaxLicenses caps the license ids exported.
	MaxLicenses int
	// ActiveSessionWindow: sessions updated within it are live.
	ActiveSessionWindow time.Duration
	// SessionQualityLookback is session_quality's window.
	SessionQualityLookback time.Duration
	// MaxLiveSessions caps the sessions session_details follows per round.
	MaxLiveSessions int
	// SessionDetailsRetention: a device's session series go once it has had
	// no session for this long.
	SessionDetailsRetention time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Freshness lets collectors of large fleets skip API calls: see Freshness.
	Freshness map[string]Freshness
}

// Freshness is how long a collector's last successful result may be served.
type Freshness struct {
	// MinInterval: within it after a successful fetch, scrapes are
	// answered from that fetch without calling the API (0: every scrape
	// calls the API).
	MinInterval time.Duration
	// MaxAge: when a refresh fails, the last successful result is served
	// until it is this old, then dropped.
	MaxAge time.Duration
}

// cached is a collector's last successful result.
type cached struct {
	res Result
	at  time.Time
}

// Exporter is a prometheus.Collector over the TRRO API.
type Exporter struct {
	opts     Options
	scrapers []Scraper
	lister   *deviceLister
	// labels are Account and Labels; extra is them in the text format,
	// written first in every series.
	labels prometheus.Labels
	extra  []byte

	up, success, duration, lastSuccess *Family
	drops                              *drops
	failures                           *failureLog

	mu     sync.Mutex
	flight *flight

	stateMu   sync.Mutex
	cache     map[string]*cached
	succeeded map[string]time.Time
	lastUp    float64
	// rejected is the AuthFailure code of the last round that made calls
	// (or of a check at start), "" when the API took the credentials.
	rejected string
}

var _ prometheus.Collector = (*Exporter)(nil)

// New returns an Exporter with the named collectors. Its options are used
// as given: the defaults live in the configuration (package config).
func New(opts Options) (*Exporter, error) {
	if opts.Logger == nil {
		opts.Logger = log.NewNopLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout <= 0 || opts.ActiveSessionWindow <= 0 || opts.SessionQualityLookback <= 0 || opts.SessionDetailsRetention <= 0 ||
		opts.MaxDevicesPerProject < 1 || opts.MaxLiveSessions < 1 || opts.MaxLicenses < 1 {
		return nil, errors.New("collector: timeout, active session window, session quality look-back, session details retention, max devices per project, max live sessions and max licenses must be positive")
	}
	e := &Exporter{
		opts: opts,
		up:   gaugeFamily("trro_up", "1 if this scrape reached the TRRO API and was authenticated, else 0."),
		success: gaugeFamily("trro_scrape_collector_success",
			"1 if the collector's API calls all succeeded in this scrape, else 0.", "collector"),
		duration: gaugeFamily("trro_scrape_collector_duration_seconds",
			"Time the collector took in this scrape's API round (0 when answered from its last result).", "collector"),
		lastSuccess: gaugeFamily("trro_scrape_collector_last_success_timestamp_seconds",
			"When the collector last fetched its data from the API successfully. With a min_interval set, its metrics may come from that fetch (up to min_interval old, or max_age when refreshes fail): this tells how old they are.",
			"collector"),
		drops:     newDrops(),
		failures:  &failureLog{logger: opts.Logger, now: opts.Now, seen: map[string]*repeat{}},
		cache:     map[string]*cached{},
		succeeded: map[string]time.Time{},
		lister: &deviceLister{limit: opts.MaxDevicesPerProject, unregistered: opts.IncludeUnregisteredDevices,
			logger: opts.Logger},
	}
	if err := e.setLabels(); err != nil {
		return nil, err
	}
	// /metrics is written without a registry's duplicate check: a value
	// listed twice would write its series twice.
	for what, list := range map[string][]string{"collector": opts.Collectors, "interval": opts.Intervals, "project": opts.ProjectIDs} {
		if err := unique(list); err != nil {
			return nil, fmt.Errorf("%s %w", what, err)
		}
	}
	for _, name := range opts.Collectors {
		f, ok := factories[name]
		if !ok {
			return nil, errors.New("unknown collector " + name)
		}
		e.scrapers = append(e.scrapers, f.new(Settings{
			Intervals:                  opts.Intervals,
			MaxDevicesPerProject:       opts.MaxDevicesPerProject,
			IncludeUnregisteredDevices: opts.IncludeUnregisteredDevices,
			MaxLicenses:                opts.MaxLicenses,
			ActiveSessionWindow:        opts.ActiveSessionWindow,
			SessionQualityLookback:     opts.SessionQualityLookback,
			MaxLiveSessions:            opts.MaxLiveSessions,
			SessionDetailsRetention:    opts.SessionDetailsRetention,
			Logger:                     opts.Logger,
			drops:                      e.drops,
		}))
	}
	return e, nil
}

func unique(list []string) error {
	seen := make(map[string]bool, len(list))
	for _, v := range list {
		if seen[v] {
			return fmt.Errorf("%q listed twice", v)
		}
		seen[v] = true
	}
	return nil
}

// Rejected is the AuthFailure code the API answered in the last round that
// made calls, or to MarkRejected; "" when it took the credentials.
func (e *Exporter) Rejected() string {
	e.stateMu.Lock()
	defer e.stateMu.Unlock()
	return e.rejected
}

// MarkRejected records what a check of the credentials found, before any
// round: code is the AuthFailure code, or "" when they were taken.
func (e *Exporter) MarkRejected(code string) {
	e.stateMu.Lock()
	defer e.stateMu.Unlock()
	e.rejected = code
}

// Demands are what each enabled collector costs per scrape for fleet f, at
// pageSize items a page: the budget planner sums them.
func (e *Exporter) Demands(f plan.Fleet, pageSize int) map[string][]plan.Demand {
	z := Sizing{PageSize: pageSize, Discover: len(e.opts.ProjectIDs) == 0,
		DeviceFilter: e.opts.DeviceExclude != nil, MaxDevicesPerProject: e.opts.MaxDevicesPerProject}
	out := make(map[string][]plan.Demand, len(e.scrapers))
	for _, s := range e.scrapers {
		out[s.Name()] = s.Demand(f, z)
	}
	return out
}

// Timeout is the upper bound of one API round.
func (e *Exporter) Timeout() time.Duration { return e.opts.Timeout }

// APIMetrics are the account's API call metrics (nil: none).
func (e *Exporter) APIMetrics() *APIMetrics { return e.opts.APIMetrics }

// Account is the account the exporter reads.
func (e *Exporter) Account() string { return e.opts.Account }

// Describe sends every descriptor the exporter may use.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	e.WithContext(context.Background()).Describe(ch)
}

func (e *Exporter) families() []*Family {
	fs := []*Family{e.up, truncatedFamily, e.success, e.duration, e.lastSuccess, e.drops.fam}
	for _, s := range e.scrapers {
		fs = append(fs, s.Families()...)
	}
	if e.opts.APIMetrics != nil {
		fs = append(fs, e.opts.APIMetrics.families()...)
	}
	return fs
}

// Collect runs (or joins) an API round bounded by the configured timeout.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), e.opts.Timeout)
	defer cancel()
	e.CollectContext(ctx, ch)
}

// CollectContext sends the metrics of an API round that ends with ctx or
// the configured timeout, whichever comes first.
func (e *Exporter) CollectContext(ctx context.Context, ch chan<- prometheus.Metric) {
	e.WithContext(ctx).Collect(ch)
}

// WithContext returns a Collector whose rounds end with ctx. Its metrics
// carry the account's labels, as client_golang's wrapping adds them.
func (e *Exporter) WithContext(ctx context.Context) prometheus.Collector {
	return prometheus.WrapCollectorWith(e.labels, boundCollector{e: e, ctx: ctx})
}

// boundCollector is the exporter's metrics without the account's labels.
type boundCollector struct {
	e   *Exporter
	ctx context.Context
}

func (b boundCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range b.e.families() {
		ch <- f.desc
	}
}

func (b boundCollector) Collect(ch chan<- prometheus.Metric) {
	b.e.write(metricSink(ch), b.e.round(b.ctx))
}

// CheckStaticLabelName tells why name cannot be a static label of an
// account: no classic label name, or one of the exporter's own (or job,
// instance, le, quantile, which Prometheus attaches). nil when it can.
func CheckStaticLabelName(name string) error {
	switch {
	case !model.LegacyValidation.IsValidLabelName(name) || strings.HasPrefix(name, "__"):
		return fmt.Errorf("%q is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", name)
	case slices.Contains(append(LabelNames(), "job", "instance", "le", "quantile"), name):
		return fmt.Errorf("%q is a label of the exporter's own series", name)
	}
	return nil
}

// setLabels checks and encodes the account's labels.
func (e *Exporter) setLabels() error {
	e.labels = prometheus.Labels{}
	if e.opts.Account != "" {
		e.labels[AccountLabel] = e.opts.Account
	}
	for k, v := range e.opts.Labels {
		if err := CheckStaticLabelName(k); err != nil {
			return fmt.Errorf("collector: static label: %w", err)
		}
		if v == "" {
			return fmt.Errorf("collector: static label %s: empty value", k)
		}
		e.labels[k] = v
	}
	names := slices.Sorted(maps.Keys(e.opts.Labels))
	if e.opts.Account != "" {
		names = append([]string{AccountLabel}, names...)
	}
	for i, k := range names {
		if i > 0 {
			e.extra = append(e.extra, ',')
		}
		e.extra = append(e.extra, k...)
		e.extra = append(e.extra, '=', '"')
		e.extra = appendLabelValue(e.extra, e.labels[k])
		e.extra = append(e.extra, '"')
	}
	return nil
}

// outcome is what one collector brought to a round.
type outcome struct {
	err     error
	name    string
	res     Result // nil when the round was abandoned
	ok      bool
	elapsed time.Duration
	lastOK  time.Time // zero before the first success
}

// roundResult is an API round's outcome, shared by every scrape that
// joined the round and never changed once the round is over.
type roundResult struct {
	up       float64
	outcomes []outcome
}

// flight is one API round shared by the scrapes that arrive while it runs.
type flight struct {
	done     chan struct{}
	result   *roundResult
	waiters  int
	cancel   context.CancelFunc
	deadline time.Time
	// finished holds the outcomes of the collectors done so far (nil
	// res while running): a waiter that must leave early takes these.
	finished []outcome
}

// joinSlack lets a scrape join a round that ends up to this much before its
// own deadline: scrapes with the same timeout arriving a little apart
// share one round.
const joinSlack = time.Second

// round returns the outcome of an API round that ends with ctx or the
// configured timeout, whichever comes first. Scrapes arriving while a
// round runs wait for it instead of starting their own.
func (e *Exporter) round(ctx context.Context) *roundResult {
	f := e.join(ctx)
	defer e.leave(f)
	select {
	case <-f.done:
		return f.result
	case <-ctx.Done():
		// This caller must answer now: what the round finished so far, as
		// a round of its own would have by now; the rest failed.
		e.mu.Lock()
		defer e.mu.Unlock()
		rr := &roundResult{outcomes: slices.Clone(f.finished)}
		e.stateMu.Lock()
		rr.up = e.lastUp
		e.stateMu.Unlock()
		return rr
	}
}

// write sends a round's samples, family by family.
func (e *Exporter) write(s Sink, rr *roundResult) {
	s.Sample(e.up, rr.up)
	for _, o := range rr.outcomes {
		if o.res != nil {
			o.res.Write(s)
		}
	}
	e.drops.write(s)
	if e.opts.APIMetrics != nil {
		e.opts.APIMetrics.write(s)
	}
	for _, o := range rr.outcomes {
		if t, ok := o.res.(truncation); ok {
			s.Sample(truncatedFamily, boolValue(t.Truncated()), o.name)
		}
	}
	for _, o := range rr.outcomes {
		s.Sample(e.success, boolValue(o.ok), o.name)
	}
	for _, o := range rr.outcomes {
		if o.res != nil {
			s.Sample(e.duration, o.elapsed.Seconds(), o.name)
		}
	}
	for _, o := range rr.outcomes {
		if !o.lastOK.IsZero() {
			s.Sample(e.lastSuccess, float64(o.lastOK.UnixMilli())/1000, o.name)
		}
	}
}

func (e *Exporter) join(ctx context.Context) *flight {
	e.mu.Lock()
	defer e.mu.Unlock()
	deadline := time.Now().Add(e.opts.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		// End the round a little before the caller's deadline so that what
		// it did finish is still served.
		deadline = d.Add(-min(100*time.Millisecond, time.Until(d)/10))
	}
	// A round that would end well before this caller's deadline would cut
	// its answer short: such a caller starts a round of its own, which
	// later callers join.
	if f := e.flight; f != nil && !f.deadline.Before(deadline.Add(-joinSlack)) {
		f.waiters++
		return f
	}
	// The round is not tied to the first caller alone: it is canceled when
	// every caller waiting for it has left.
	rctx, cancel := context.WithDeadline(context.Background(), deadline)
	f := &flight{done: make(chan struct{}), waiters: 1, cancel: cancel, deadline: deadline,
		finished: make([]outcome, len(e.scrapers))}
	for i, s := range e.scrapers {
		f.finished[i] = outcome{name: s.Name()}
	}
	e.flight = f
	go e.run(rctx, f)
	return f
}

func (e *Exporter) leave(f *flight) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		f.cancel()
		if e.flight == f {
			e.flight = nil
		}
	}
}

func (e *Exporter) run(ctx context.Context, f *flight) {
	defer close(f.done)
	tr := &trro.Trace{}
	ctx = trro.WithTrace(ctx, tr)
	r := &Round{API: e.opts.API, Now: e.opts.Now(), projectIDs: e.opts.ProjectIDs, lister: e.lister,
		filters: filters{include: e.opts.Include, exclude: e.opts.Exclude, devices: e.opts.DeviceExclude}}

	outcomes := make([]outcome, len(e.scrapers))
	var wg sync.WaitGroup
	for i, s := range e.scrapers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = e.scrape(ctx, r, s)
			e.mu.Lock()
			f.finished[i] = outcomes[i]
			e.mu.Unlock()
		}()
	}
	wg.Wait()
	for _, o := range outcomes {
		if errors.Is(o.err, errDiscovery) {
			e.failures.log("project discovery", "", o.err)
			break
		}
	}

	// A round answered from cached results made no call: keep the last
	// known state of the API.
	e.stateMu.Lock()
	if tr.Calls() > 0 {
		e.lastUp = 0
		if tr.Up() {
			e.lastUp = 1
		}
		e.rejected = tr.AuthFailure()
	}
	up := e.lastUp
	e.stateMu.Unlock()
	e.mu.Lock()
	f.result = &roundResult{up: up, outcomes: outcomes}
	// Later scrapes start a fresh round.
	if e.flight == f {
		e.flight = nil
	}
	e.mu.Unlock()
}

func (e *Exporter) scrape(ctx context.Context, r *Round, s Scraper) outcome {
	name := s.Name()
	fresh := e.opts.Freshness[name]
	e.stateMu.Lock()
	last := e.cache[name]
	e.stateMu.Unlock()

	var res Result
	var err error
	start := time.Now()
	fromCache := last != nil && fresh.MinInterval > 0 && r.Now.Sub(last.at) < fresh.MinInterval
	if fromCache {
		res = last.res
	} else {
		res, err = s.Fetch(ctx, r)
	}
	elapsed := time.Since(start)
	if fromCache {
		elapsed = 0
	}

	e.stateMu.Lock()
	switch {
	case err == nil && !fromCache:
		e.succeeded[name] = r.Now
		if fresh.MinInterval > 0 {
			e.cache[name] = &cached{res: res, at: r.Now}
		}
	case err != nil && last != nil && r.Now.Sub(last.at) < fresh.MaxAge:
		// Serve the last good result rather than a partial one.
		res = last.res
	case err != nil && last != nil:
		delete(e.cache, name)
	}
	lastOK := e.succeeded[name]
	e.stateMu.Unlock()

	if err != nil {
		// A failed project discovery is logged once per round, by run.
		if !errors.Is(err, errDiscovery) {
			e.failures.log(name, "collector", err)
		}
	}
	return outcome{name: name, res: res, ok: err == nil, elapsed: elapsed, lastOK: lastOK, err: err}
}

// logRepeatEvery is how often an identical failure, repeated on every
// scrape, is logged again.
const logRepeatEvery = 5 * time.Minute

// failureLog keeps one line per failing collector per scrape at most, and
// an identical failure at most every logRepeatEvery, with how many times it
// happened meanwhile: logs must not grow with the fleet or the scrape rate.
type failureLog struct {
	logger log.Logger
	now    func() time.Time
	mu     sync.Mutex
	seen   map[string]*repeat
}

type repeat struct {
	last   time.Time
	missed int
}

// log reports what failed in scope (a collector, or "project discovery"):
// the count of failed parts and the first error with its action, code and
// request id; each part at debug.
func (l *failureLog) log(scope, key string, err error) {
	errs := trro.Flatten(err)
	for _, e := range errs {
		level.Debug(l.logger).Log("msg", "failed", "scope", scope, "err", e)
	}
	first := errs[0]
	kv := []any{"msg", scope + " failed", "failures", len(errs)}
	if key != "" {
		kv = append(kv, key, scope)
		kv[1] = "collector failed"
	}
	sig := scope + "|" + first.Error()
	if e, ok := trro.AsError(first); ok {
		kv = append(kv, "action", e.Action, "code", e.Code)
		if e.RequestID != "" {
			kv = append(kv, "request_id", e.RequestID)
		}
		// The request id differs on every call: the same failure again is
		// the same action and code.
		sig = scope + "|" + e.Action + "|" + e.Code
	}
	kv = append(kv, "err", first)
	l.mu.Lock()
	r := l.seen[sig]
	if r != nil && l.now().Sub(r.last) < logRepeatEvery {
		r.missed++
		l.mu.Unlock()
		return
	}
	if r != nil && r.missed > 0 {
		kv = append(kv, "repeated_since_last_logged", r.missed)
	}
	l.seen[sig] = &repeat{last: l.now()}
	l.mu.Unlock()
	level.Error(l.logger).Log(kv...)
}
