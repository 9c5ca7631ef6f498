package collector

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func init() {
	registerCollector("recent_sessions", true, func(s Settings) Scraper { return newRecentSessions(s.ActiveSessionWindow) })
}

// recentWindow is the span DescribeRecentSessionList covers at most.
const recentWindow = 2 * time.Hour

// recentSessions counts the sessions of the API's two-hour window and the
// ones still live.
type recentSessions struct {
	activeWindow   time.Duration
	recent, active *prometheus.Desc
}

func newRecentSessions(activeWindow time.Duration) *recentSessions {
	return &recentSessions{
		activeWindow: activeWindow,
		recent: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "recent_sessions"),
			"Sessions active at some point in the last two hours (DescribeRecentSessionList).",
			[]string{"project_id"}, nil),
		active: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "active_sessions"),
			"Sessions whose last update is within the active session window (default 2m) of the scrape: the live ones.",
			[]string{"project_id"}, nil),
	}
}

func (s *recentSessions) Name() string { return "recent_sessions" }

func (s *recentSessions) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.recent
	ch <- s.active
}

func (s *recentSessions) Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error {
	now := r.Now.Unix()
	activeSince := r.Now.Add(-s.activeWindow).Unix()
	return eachProject(ctx, r, func(id string) error {
		list, err := r.API.DescribeRecentSessionList(ctx, id, r.Now.Add(-recentWindow).Unix(), now)
		if err != nil {
			return err
		}
		seen := make(map[string]bool, len(list))
		active := 0
		for _, sess := range list {
			if sess.SessionID == "" || seen[sess.SessionID] {
				continue
			}
			seen[sess.SessionID] = true
			if sess.LatestUpdateTime.Valid && sess.LatestUpdateTime.Value >= activeSince {
				active++
			}
		}
		ch <- prometheus.MustNewConstMetric(s.recent, prometheus.GaugeValue, float64(len(seen)), id)
		ch <- prometheus.MustNewConstMetric(s.active, prometheus.GaugeValue, float64(active), id)
		return nil
	})
}
