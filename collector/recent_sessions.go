package collector

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("recent_sessions", true, func(a *config.Account, _ shared) Scraper {
		return newRecentSessions(time.Duration(a.ActiveSessionWindow))
	})
}

// sessionCounts are one project's recent and active sessions; ok is false
// when its call failed.
type sessionCounts struct {
	recent, active int
	ok             bool
}

// countGauge is a per-project gauge and the count it exports.
type countGauge struct {
	fam   *Family
	value func(*sessionCounts) int
}

// recentSessions counts the sessions of the API's two-hour window and the
// ones still live.
type recentSessions struct {
	activeWindow time.Duration
	gauges       []countGauge
}

func newRecentSessions(activeWindow time.Duration) *recentSessions {
	return &recentSessions{
		activeWindow: activeWindow,
		gauges: []countGauge{
			{gaugeFamily("trro_recent_sessions", "Sessions active at some point in the last two hours (DescribeRecentSessionList).", "project_id"),
				func(c *sessionCounts) int { return c.recent }},
			{gaugeFamily("trro_active_sessions", "Sessions whose last update is within the active session window (default 2m) of the scrape: the live ones.", "project_id"),
				func(c *sessionCounts) int { return c.active }},
		},
	}
}

func (s *recentSessions) Name() string { return "recent_sessions" }

func (s *recentSessions) Families() []*Family {
	return []*Family{s.gauges[0].fam, s.gauges[1].fam}
}

func (s *recentSessions) Demand(f plan.Fleet, z Sizing) []plan.Demand {
	return recentDemand(f, z)
}

type recentSessionsResult struct {
	gauges    []countGauge
	projects  []string
	counts    []sessionCounts
	truncated bool // some project's list was cut short at max_pages
}

func (res recentSessionsResult) Truncated() bool { return res.truncated }

func (s *recentSessions) Fetch(ctx context.Context, r *Round) (Result, error) {
	activeSince := r.Now.Add(-s.activeWindow).Unix()
	var truncated atomic.Bool
	ids, counts, err := perProject(ctx, r, func(id string) (sessionCounts, error) {
		list, cut, err := r.RecentSessions(ctx, id)
		if err != nil {
			return sessionCounts{}, err
		}
		if cut {
			truncated.Store(true)
		}
		return countRecent(list, activeSince), nil
	})
	return recentSessionsResult{s.gauges, ids, counts, truncated.Load()}, err
}

// countRecent counts each listed session once, and the ones updated since
// activeSince as active.
func countRecent(list []trro.RecentSession, activeSince int64) sessionCounts {
	seen := make(map[trro.Text]bool, len(list))
	c := sessionCounts{ok: true}
	for _, sess := range list {
		if sess.SessionID == "" || seen[sess.SessionID] {
			continue
		}
		seen[sess.SessionID] = true
		if sess.LatestUpdateTime.Valid && sess.LatestUpdateTime.Value >= activeSince {
			c.active++
		}
	}
	c.recent = len(seen)
	return c
}

func (res recentSessionsResult) Write(s Sink) {
	for _, g := range res.gauges {
		for i, pid := range res.projects {
			if c := &res.counts[i]; c.ok {
				s.Sample(g.fam, float64(g.value(c)), pid)
			}
		}
	}
}
