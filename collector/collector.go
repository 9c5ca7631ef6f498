// Package collector turns TRRO API answers into Prometheus metrics. Each
// API resource is a Scraper in a file of its own; the Exporter runs the
// enabled ones in parallel on every scrape, one API round shared by all
// concurrent scrapes.
package collector

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
)

const namespace = "trro"

// API is the part of the TRRO client the scrapers use.
type API interface {
	DescribeProjectList(ctx context.Context) ([]trro.ProjectInfo, error)
	DescribeSessionStatisticsByInterval(ctx context.Context, projectID, interval string, start, end int64) ([]trro.SessionIntervalStatistic, error)
	GetLicenses(ctx context.Context) ([]trro.License, error)
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
	Intervals []string
}

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
