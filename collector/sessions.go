package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerSettings("sessions", SessionsSettings{StatisticIntervals: []string{"hour"}})
	registerCollector("sessions", true, func(a *config.Account, sh shared) Scraper {
		return newSessions(SettingsOf[SessionsSettings](a).StatisticIntervals, sh.drops)
	})
}

// SessionsSettings are the sessions collector's keys.
type SessionsSettings struct {
	// StatisticIntervals are the StatisticInterval values read, each its
	// own interval label.
	StatisticIntervals []string `yaml:"statistic_intervals"`
}

// Validate checks that the intervals are known and listed once.
func (s *SessionsSettings) Validate() error {
	known := slices.Sorted(maps.Keys(lookback))
	slices.SortFunc(known, func(a, b string) int { return cmp.Compare(lookback[a], lookback[b]) })
	if len(s.StatisticIntervals) == 0 {
		return fmt.Errorf("statistic_intervals: must list at least one of %s", strings.Join(known, ", "))
	}
	for i, iv := range s.StatisticIntervals {
		switch {
		case !slices.Contains(known, iv):
			return fmt.Errorf("statistic_intervals: %q is not one of %s", iv, strings.Join(known, ", "))
		case slices.Contains(s.StatisticIntervals[:i], iv):
			return fmt.Errorf("statistic_intervals: %q listed twice", iv)
		}
	}
	return nil
}

// lookback is how far back each interval's request reaches (its keys are
// the StatisticInterval values the API knows): enough for the
// current and the previous bucket.
var lookback = map[string]time.Duration{
	"hour":  3 * time.Hour,
	"day":   3 * 24 * time.Hour,
	"month": 93 * 24 * time.Hour,
}

type sessions struct {
	intervals []string
	drops     *drops
	fields    fields[trro.SessionIntervalStatistic]
}

func newSessions(intervals []string, d *drops) *sessions {
	g := func(name, help string) *Family {
		return gaugeFamily("trro_"+name, help, "project_id", "interval", "window")
	}
	type bucket = trro.SessionIntervalStatistic
	return &sessions{
		intervals: intervals,
		drops:     d,
		fields: fields[bucket]{
			{g("sessions", "Sessions in the statistics bucket (SessionNum); window is current or previous."),
				"SessionNum", func(b *bucket) trro.Int { return b.SessionNum }, notNegative, asIs},
			{g("session_duration_seconds", "Total session time in the statistics bucket (TotalDuration minutes × 60)."),
				"TotalDuration", func(b *bucket) trro.Int { return b.TotalDuration }, notNegative, minutes},
			{g("active_field_devices", "Active field (on-site) devices in the statistics bucket."),
				"ActiveFieldDeviceNum", func(b *bucket) trro.Int { return b.ActiveFieldDeviceNum }, notNegative, asIs},
			{g("active_remote_devices", "Active remote (operator) devices in the statistics bucket."),
				"ActiveRemoteDeviceNum", func(b *bucket) trro.Int { return b.ActiveRemoteDeviceNum }, notNegative, asIs},
			// A bucket without sessions has no ratio, whatever it says.
			{g("session_not_bad_ratio", "Share of good or normal sessions in the bucket, 0 to 1; absent when the bucket had no sessions."),
				"NotBadSessionRatio", func(b *bucket) trro.Int {
					return onlyIf(b.SessionNum.Valid && b.SessionNum.Value > 0, b.NotBadSessionRatio)
				},
				percentRange, percent},
			{g("session_interval_start_timestamp_seconds", "Start of the statistics bucket as a Unix timestamp."),
				"StartTime", func(b *bucket) trro.Int { return b.StartTime }, plausibleTime, asIs},
		},
	}
}

func (s *sessions) Name() string        { return "sessions" }
func (s *sessions) Families() []*Family { return s.fields.families() }

// Demand: one call per project and interval.
func (s *sessions) Demand(f plan.Fleet, z Sizing) []plan.Demand {
	return append(discovery(f, z), plan.Demand{Action: trro.ActionDescribeSessionStatisticsByInterval, Calls: f.Projects * len(s.intervals)})
}

// bucketRow is one exported bucket: a project's current or previous bucket
// of an interval, its values in fields order.
type bucketRow struct {
	labels [3]string // project_id, interval, window
	vals   []trro.Int
}

type sessionsResult struct {
	fields fields[trro.SessionIntervalStatistic]
	rows   []bucketRow
}

func (s *sessions) Fetch(ctx context.Context, r *Round) (Result, error) {
	now := r.Now.Unix()
	_, perProj, err := perProject(ctx, r, func(id string) ([]bucketRow, error) {
		rows := make([][]bucketRow, len(s.intervals))
		errs := make([]error, len(s.intervals))
		var wg sync.WaitGroup
		for i, iv := range s.intervals {
			wg.Go(func() {
				stats, err := r.API.DescribeSessionStatisticsByInterval(ctx, id, iv, r.Now.Add(-lookback[iv]).Unix(), now)
				if err != nil {
					errs[i] = fmt.Errorf("interval %s: %w", iv, err)
					return
				}
				cur, prev := pickWindows(stats, now)
				for _, w := range []struct {
					name string
					b    *trro.SessionIntervalStatistic
				}{{"current", cur}, {"previous", prev}} {
					if w.b != nil {
						rows[i] = append(rows[i], bucketRow{[3]string{id, iv, w.name}, s.fields.read(w.b, s.drops)})
					}
				}
			})
		}
		wg.Wait()
		return slices.Concat(rows...), errors.Join(errs...)
	})
	return sessionsResult{s.fields, slices.Concat(perProj...)}, err
}

func (res sessionsResult) Write(s Sink) {
	res.fields.write(s, func(yield func([]trro.Int, ...string)) {
		for i := range res.rows {
			yield(res.rows[i].vals, res.rows[i].labels[:]...)
		}
	})
}

// pickWindows returns the bucket with the greatest StartTime not after now,
// and the bucket just before it.
func pickWindows(stats []trro.SessionIntervalStatistic, now int64) (cur, prev *trro.SessionIntervalStatistic) {
	for i := range stats {
		b := &stats[i]
		if !b.StartTime.Valid || b.StartTime.Value > now {
			continue
		}
		switch {
		case cur == nil || b.StartTime.Value > cur.StartTime.Value:
			if cur != nil {
				prev = cur
			}
			cur = b
		case b.StartTime.Value < cur.StartTime.Value && (prev == nil || b.StartTime.Value > prev.StartTime.Value):
			prev = b
		}
	}
	return cur, prev
}
