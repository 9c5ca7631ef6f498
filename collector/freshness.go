package collector

import (
	"sync"
	"time"

	"github.com/trro-exporter/trro_exporter/config"
)

// freshness lets collectors of large fleets skip API calls: within a
// collector's min_interval after a successful fetch, scrapes are answered
// from that fetch; when a refresh fails, the last successful result is
// served until it is max_age old, then dropped.
type freshness struct {
	settings map[string]config.CollectorSettings

	mu        sync.Mutex
	cache     map[string]cached
	succeeded map[string]time.Time // each collector's last successful fetch
}

// cached is a collector's last successful result.
type cached struct {
	res Result
	at  time.Time
}

func newFreshness(settings map[string]config.CollectorSettings) *freshness {
	return &freshness{settings: settings, cache: map[string]cached{}, succeeded: map[string]time.Time{}}
}

// fetch returns the outcome of collector name in the round at now: from
// fetch, or from its last result when that is fresh enough.
func (f *freshness) fetch(name string, now time.Time, fetch func() (Result, error)) outcome {
	cs := f.settings[name]
	minInterval, maxAge := time.Duration(cs.MinInterval), time.Duration(cs.MaxAge)
	f.mu.Lock()
	last, ok := f.cache[name]
	f.mu.Unlock()
	if ok && minInterval > 0 && now.Sub(last.at) < minInterval {
		f.mu.Lock()
		defer f.mu.Unlock()
		return outcome{name: name, res: last.res, ok: true, lastOK: f.succeeded[name]}
	}

	start := time.Now()
	res, err := fetch()
	o := outcome{name: name, res: res, ok: err == nil, err: err, elapsed: time.Since(start)}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case err == nil:
		f.succeeded[name] = now
		if minInterval > 0 {
			f.cache[name] = cached{res: res, at: now}
		}
	case ok && now.Sub(last.at) < maxAge:
		// Serve the last good result rather than a partial one.
		o.res = last.res
	case ok:
		delete(f.cache, name)
	}
	o.lastOK = f.succeeded[name]
	return o
}
