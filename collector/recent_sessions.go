package collector

import (
	"context"
	"time"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("recent_sessions", true, func(a *config.Account, _ shared) Scraper {
		return newRecentSessions(time.Duration(SettingsOf[RoundSettings](a).ActiveSessionWindow))
	})
}

// sessionCounts are one project's recent and active sessions; ok is false
// when its call failed.
type sessionCounts struct {
	recent, active int
	ok             bool
}

// recentSessions counts the sessions of the API's two-hour window and the
// ones still live.
type recentSessions struct {
	activeWindow   time.Duration
	recent, active *Family
}

func newRecentSessions(activeWindow time.Duration) *recentSessions {
	return &recentSessions{
		activeWindow: activeWindow,
		recent:       gaugeFamily("trro_recent_sessions", "Sessions active at some point in the last two hours (DescribeRecentSessionList).", "project_id"),
		active:       gaugeFamily("trro_active_sessions", "Sessions whose last update is within the active session window of the scrape: the live ones.", "project_id"),
	}
}

func (s *recentSessions) Name() string        { return "recent_sessions" }
func (s *recentSessions) Families() []*Family { return []*Family{s.recent, s.active} }

func (s *recentSessions) Demand(f plan.Fleet, z Sizing) []plan.Demand {
	return recentDemand(f, z)
}

func (s *recentSessions) Fetch(ctx context.Context, r *Round) (Result, error) {
	activeSince := r.Now.Add(-s.activeWindow).Unix()
	return perProjectCounts(ctx, r, func(pid string) (sessionCounts, bool, error) {
		list, cut, err := r.RecentSessions(ctx, pid)
		if err != nil {
			return sessionCounts{}, false, err
		}
		return countRecent(list, activeSince), cut, nil
	}, func(sink Sink, pid string, c *sessionCounts) {
		if c.ok {
			sink.Sample(s.recent, float64(c.recent), pid)
		}
	}, func(sink Sink, pid string, c *sessionCounts) {
		if c.ok {
			sink.Sample(s.active, float64(c.active), pid)
		}
	})
}

// countRecent counts each listed session once, and the ones updated since
// activeSince as active.
func countRecent(list []trro.RecentSession, activeSince int64) sessionCounts {
	c := sessionCounts{ok: true}
	for _, sess := range unique(list, func(s *trro.RecentSession) string { return string(s.SessionID) }) {
		c.recent++
		if sess.LatestUpdateTime.Valid && sess.LatestUpdateTime.Value >= activeSince {
			c.active++
		}
	}
	return c
}
