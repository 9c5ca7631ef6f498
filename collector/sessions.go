package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("sessions", true, func(s Settings) Scraper { return newSessions(s.Intervals) })
}

// lookback is how far back each interval's request reaches: enough for the
// current and the previous bucket.
var lookback = map[string]time.Duration{
	"hour":  3 * time.Hour,
	"day":   3 * 24 * time.Hour,
	"month": 93 * 24 * time.Hour,
}

type sessions struct {
	intervals []string
	// fams[k] carries field k of a bucket (see bucketValues).
	fams [6]*Family
}

func newSessions(intervals []string) *sessions {
	d := func(name, help string) *Family {
		return gaugeFamily("trro_"+name, help, "project_id", "interval", "window")
	}
	return &sessions{
		intervals: intervals,
		fams: [6]*Family{
			d("sessions", "Sessions in the statistics bucket (SessionNum); window is current or previous."),
			d("session_duration_seconds", "Total session time in the statistics bucket (TotalDuration minutes × 60)."),
			d("active_field_devices", "Active field (on-site) devices in the statistics bucket."),
			d("active_remote_devices", "Active remote (operator) devices in the statistics bucket."),
			d("session_not_bad_ratio", "Share of good or normal sessions in the bucket, 0 to 1; absent when the bucket had no sessions."),
			d("session_interval_start_timestamp_seconds", "Start of the statistics bucket as a Unix timestamp."),
		},
	}
}

func (s *sessions) Name() string        { return "sessions" }
func (s *sessions) Families() []*Family { return s.fams[:] }

// bucketRow is one exported bucket: a project's current or previous bucket
// of an interval.
type bucketRow struct {
	projectID, interval, window string
	b                           trro.SessionIntervalStatistic
}

type sessionsResult struct {
	s    *sessions
	rows []bucketRow
}

func (s *sessions) Fetch(ctx context.Context, r *Round) (Result, error) {
	now := r.Now.Unix()
	_, perProj, err := perProject(ctx, r, func(id string) ([]bucketRow, error) {
		rows := make([][]bucketRow, len(s.intervals))
		errs := make([]error, len(s.intervals))
		var wg sync.WaitGroup
		for i, iv := range s.intervals {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stats, err := r.API.DescribeSessionStatisticsByInterval(ctx, id, iv, r.Now.Add(-lookback[iv]).Unix(), now)
				if err != nil {
					errs[i] = fmt.Errorf("interval %s: %w", iv, err)
					return
				}
				cur, prev := pickWindows(stats, now)
				if cur != nil {
					rows[i] = append(rows[i], bucketRow{id, iv, "current", *cur})
				}
				if prev != nil {
					rows[i] = append(rows[i], bucketRow{id, iv, "previous", *prev})
				}
			}()
		}
		wg.Wait()
		return slices.Concat(rows...), errors.Join(errs...)
	})
	return sessionsResult{s, slices.Concat(perProj...)}, err
}

// bucketValues are a bucket's values in fams order; the ratio only when
// the bucket had sessions.
func bucketValues(b *trro.SessionIntervalStatistic) [6]trro.Int {
	ratio := trro.Int{}
	if b.SessionNum.Valid && b.SessionNum.Value > 0 {
		ratio = b.NotBadSessionRatio
	}
	return [6]trro.Int{b.SessionNum, b.TotalDuration, b.ActiveFieldDeviceNum, b.ActiveRemoteDeviceNum, ratio, b.StartTime}
}

func (res sessionsResult) Write(s *Sink) {
	for k, f := range res.s.fams {
		for i := range res.rows {
			row := &res.rows[i]
			v := bucketValues(&row.b)[k]
			if !v.Valid {
				continue
			}
			val := float64(v.Value)
			switch k {
			case 1:
				val *= 60
			case 4:
				// Divide rather than multiply by 0.01, which is not exact in binary.
				val /= 100
			}
			s.Sample(f, val, row.projectID, row.interval, row.window)
		}
	}
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
