package collector

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
)

// Deps are what an exporter works with besides its account's settings.
type Deps struct {
	API API
	// APIMetrics are the account's API call metrics, written with its
	// series (nil: none).
	APIMetrics *APIMetrics
	Logger     log.Logger // nil: none
	Now        func() time.Time
}

// Exporter is a prometheus.Collector over the TRRO API for one account.
// Its jobs live in files of their own: sharing API rounds between
// concurrent scrapes (share.go), answering from a collector's last result
// (freshness.go), logging failures (failures.go) and writing a round's
// samples (write.go).
type Exporter struct {
	acc      config.Account
	deps     Deps
	scrapers []Scraper
	lister   *deviceLister
	// labels are the account's; extra is them in the text format, written
	// first in every series.
	labels prometheus.Labels
	extra  []byte

	up, success, duration, lastSuccess *Family
	drops                              *drops
	failures                           *failureLog
	fresh                              *freshness
	state                              apiState

	mu     sync.Mutex
	flight *flight
}

var _ prometheus.Collector = (*Exporter)(nil)

// New returns the exporter of an account that config has validated, with
// its enabled collectors.
func New(acc config.Account, deps Deps) *Exporter {
	if deps.Logger == nil {
		deps.Logger = log.NewNopLogger()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	rs := SettingsOf[RoundSettings](&acc)
	e := &Exporter{
		acc: acc, deps: deps,
		up: gaugeFamily("trro_up", "1 if this scrape reached the TRRO API and was authenticated, else 0."),
		success: gaugeFamily("trro_scrape_collector_success",
			"1 if the collector's API calls all succeeded in this scrape, else 0.", "collector"),
		duration: gaugeFamily("trro_scrape_collector_duration_seconds",
			"Time the collector took in this scrape's API round (0 when answered from its last result).", "collector"),
		lastSuccess: gaugeFamily("trro_scrape_collector_last_success_timestamp_seconds",
			"When the collector last fetched its data from the API successfully. With a min_interval set, its metrics may come from that fetch (up to min_interval old, or max_age when refreshes fail): this tells how old they are.",
			"collector"),
		drops:    newDrops(),
		failures: newFailureLog(deps.Logger, deps.Now),
		fresh:    newFreshness(acc.CollectorSettings),
		lister: &deviceLister{limit: rs.MaxDevicesPerProject, unregistered: rs.IncludeUnregisteredDevices,
			logger: deps.Logger},
	}
	e.setLabels()
	sh := shared{logger: deps.Logger, drops: e.drops}
	for _, name := range Enabled(&acc) {
		e.scrapers = append(e.scrapers, factories[name].new(&e.acc, sh))
	}
	return e
}

// Demands are what each enabled collector costs per scrape for fleet f,
// at the account's page size: the budget planner sums them.
func (e *Exporter) Demands(f plan.Fleet) map[string][]plan.Demand {
	rs := SettingsOf[RoundSettings](&e.acc)
	z := Sizing{PageSize: e.acc.PageSize, Discover: len(e.acc.Projects) == 0, DeviceFilter: e.acc.DeviceExclude != "",
		MaxDevicesPerProject: rs.MaxDevicesPerProject, Unregistered: rs.IncludeUnregisteredDevices}
	out := make(map[string][]plan.Demand, len(e.scrapers))
	for _, s := range e.scrapers {
		out[s.Name()] = s.Demand(f, z)
	}
	return out
}

// Series estimates, per enabled collector whose series a cap bounds, how
// many series it exports for fleet f.
func (e *Exporter) Series(f plan.Fleet) map[string]SeriesEstimate {
	out := map[string]SeriesEstimate{}
	for _, s := range e.scrapers {
		if b, ok := s.(seriesBounded); ok {
			out[s.Name()] = b.Series(f)
		}
	}
	return out
}

// Lists are the lists the enabled collectors' demands read: what sizing
// counts for Demands.
func (e *Exporter) Lists() []plan.List {
	return plan.Lists(func(f plan.Fleet) { e.Demands(f) })
}

// ForgetRefusals makes the next rounds ask again what the API refused
// (RegisterType): a reload calls it for the accounts it keeps.
func (e *Exporter) ForgetRefusals() { e.lister.forget() }

// Timeout is the upper bound of one API round.
func (e *Exporter) Timeout() time.Duration { return time.Duration(e.acc.ScrapeTimeout) }

// APIMetrics are the account's API call metrics (nil: none).
func (e *Exporter) APIMetrics() *APIMetrics { return e.deps.APIMetrics }

// Account is the account the exporter reads.
func (e *Exporter) Account() string { return e.acc.Name }

// Describe sends every descriptor the exporter may use.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	e.WithContext(context.Background()).Describe(ch)
}

func (e *Exporter) families() []*Family {
	fs := []*Family{e.up, truncatedFamily, e.success, e.duration, e.lastSuccess, e.drops.fam}
	for _, s := range e.scrapers {
		fs = append(fs, s.Families()...)
	}
	if e.deps.APIMetrics != nil {
		fs = append(fs, e.deps.APIMetrics.families()...)
	}
	return fs
}

// Collect runs (or joins) an API round bounded by the configured timeout.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), e.Timeout())
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

// setLabels encodes the account's labels (config has checked them): the
// account label, then the static labels by name.
func (e *Exporter) setLabels() {
	e.labels = prometheus.Labels{}
	var names []string
	if e.acc.Name != "" {
		e.labels[AccountLabel] = e.acc.Name
		names = append(names, AccountLabel)
	}
	maps.Copy(e.labels, e.acc.Labels)
	names = append(names, slices.Sorted(maps.Keys(e.acc.Labels))...)
	for i, k := range names {
		if i > 0 {
			e.extra = append(e.extra, ',')
		}
		e.extra = append(e.extra, k...)
		e.extra = append(e.extra, '=', '"')
		e.extra = appendLabelValue(e.extra, e.labels[k])
		e.extra = append(e.extra, '"')
	}
}
