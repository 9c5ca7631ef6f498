package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	intervals                                     []string
	count, duration, field, remote, ratio, bucket *prometheus.Desc
}

func newSessions(intervals []string) *sessions {
	labels := []string{"project_id", "interval", "window"}
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
	}
	return &sessions{
		intervals: intervals,
		count:     d("sessions", "Sessions in the statistics bucket (SessionNum); window is current or previous."),
		duration:  d("session_duration_seconds", "Total session time in the statistics bucket (TotalDuration minutes × 60)."),
		field:     d("active_field_devices", "Active field (on-site) devices in the statistics bucket."),
		remote:    d("active_remote_devices", "Active remote (operator) devices in the statistics bucket."),
		ratio:     d("session_not_bad_ratio", "Share of good or normal sessions in the bucket, 0 to 1; absent when the bucket had no sessions."),
		bucket:    d("session_interval_start_timestamp_seconds", "Start of the statistics bucket as a Unix timestamp."),
	}
}

func (s *sessions) Name() string { return "sessions" }

func (s *sessions) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{s.count, s.duration, s.field, s.remote, s.ratio, s.bucket} {
		ch <- d
	}
}

func (s *sessions) Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error {
	return eachProject(ctx, r, func(id string) error {
		errs := make([]error, len(s.intervals))
		var wg sync.WaitGroup
		for i, iv := range s.intervals {
			wg.Add(1)
			go func() {
				defer wg.Done()
				now := r.Now.Unix()
				stats, err := r.API.DescribeSessionStatisticsByInterval(ctx, id, iv, r.Now.Add(-lookback[iv]).Unix(), now)
				if err != nil {
					errs[i] = fmt.Errorf("interval %s: %w", iv, err)
					return
				}
				cur, prev := pickWindows(stats, now)
				s.emit(ch, cur, id, iv, "current")
				s.emit(ch, prev, id, iv, "previous")
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
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

func (s *sessions) emit(ch chan<- prometheus.Metric, b *trro.SessionIntervalStatistic, id, iv, window string) {
	if b == nil {
		return
	}
	gauge := func(d *prometheus.Desc, v trro.Int, scale float64) {
		if v.Valid {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v.Value)*scale, id, iv, window)
		}
	}
	gauge(s.count, b.SessionNum, 1)
	gauge(s.duration, b.TotalDuration, 60)
	gauge(s.field, b.ActiveFieldDeviceNum, 1)
	gauge(s.remote, b.ActiveRemoteDeviceNum, 1)
	gauge(s.bucket, b.StartTime, 1)
	if b.SessionNum.Valid && b.SessionNum.Value > 0 && b.NotBadSessionRatio.Valid {
		// Divide rather than multiply by 0.01, which is not exact in binary.
		ch <- prometheus.MustNewConstMetric(s.ratio, prometheus.GaugeValue, float64(b.NotBadSessionRatio.Value)/100, id, iv, window)
	}
}
