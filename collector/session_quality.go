package collector

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func init() {
	registerCollector("session_quality", false, func(s Settings) Scraper { return newSessionQuality(s.SessionQualityLookback) })
}

// qualities are DescribeDeviceSessionList's grades, always exported.
var qualities = []string{"good", "normal", "bad"}

// sessionQuality counts the sessions that ended within the look-back by
// quality grade. Off by default: it pages through every such session.
type sessionQuality struct {
	lookback          time.Duration
	sessions, seconds *prometheus.Desc
}

func newSessionQuality(lookback time.Duration) *sessionQuality {
	labels := []string{"project_id", "quality"}
	return &sessionQuality{
		lookback: lookback,
		sessions: prometheus.NewDesc(prometheus.BuildFQName(namespace, "session_quality", "sessions"),
			"Sessions that ended within the look-back (default 24h), by quality: good, normal, bad, and unknown for other grades.",
			labels, nil),
		seconds: prometheus.NewDesc(prometheus.BuildFQName(namespace, "session_quality", "duration_seconds"),
			"Summed duration of the sessions that ended within the look-back, by quality.",
			labels, nil),
	}
}

func (s *sessionQuality) Name() string { return "session_quality" }

func (s *sessionQuality) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.sessions
	ch <- s.seconds
}

func (s *sessionQuality) Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error {
	start, end := r.Now.Add(-s.lookback).Unix(), r.Now.Unix()
	return eachProject(ctx, r, func(id string) error {
		list, err := r.API.DescribeDeviceSessionList(ctx, id, start, end)
		if err != nil {
			return err
		}
		count := map[string]float64{}
		secs := map[string]float64{}
		for _, q := range qualities {
			count[q], secs[q] = 0, 0
		}
		seen := make(map[string]bool, len(list))
		for _, sess := range list {
			if sess.SessionID == "" || seen[sess.SessionID] {
				continue
			}
			// The API filters by time too; this keeps the window exact.
			if !sess.EndTime.Valid || sess.EndTime.Value < start || sess.EndTime.Value > end {
				continue
			}
			seen[sess.SessionID] = true
			q := sess.Quality
			if _, known := count[q]; !known {
				q = "unknown"
			}
			count[q]++
			if sess.StartTime.Valid && sess.EndTime.Value > sess.StartTime.Value {
				secs[q] += float64(sess.EndTime.Value - sess.StartTime.Value)
			}
		}
		for q, n := range count {
			ch <- prometheus.MustNewConstMetric(s.sessions, prometheus.GaugeValue, n, id, q)
			ch <- prometheus.MustNewConstMetric(s.seconds, prometheus.GaugeValue, secs[q], id, q)
		}
		return nil
	})
}
