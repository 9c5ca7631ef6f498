package collector

import (
	"context"
	"time"
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
	recent, active *Family
}

func newRecentSessions(activeWindow time.Duration) *recentSessions {
	return &recentSessions{
		activeWindow: activeWindow,
		recent: gaugeFamily("trro_recent_sessions",
			"Sessions active at some point in the last two hours (DescribeRecentSessionList).", "project_id"),
		active: gaugeFamily("trro_active_sessions",
			"Sessions whose last update is within the active session window (default 2m) of the scrape: the live ones.", "project_id"),
	}
}

func (s *recentSessions) Name() string        { return "recent_sessions" }
func (s *recentSessions) Families() []*Family { return []*Family{s.recent, s.active} }

// sessionCounts are one project's recent and active sessions; ok is false
// when its call failed.
type sessionCounts struct {
	recent, active int
	ok             bool
}

type recentSessionsResult struct {
	s        *recentSessions
	projects []string
	counts   []sessionCounts
}

func (s *recentSessions) Fetch(ctx context.Context, r *Round) (Result, error) {
	now := r.Now.Unix()
	activeSince := r.Now.Add(-s.activeWindow).Unix()
	ids, counts, err := perProject(ctx, r, func(id string) (sessionCounts, error) {
		list, err := r.API.DescribeRecentSessionList(ctx, id, r.Now.Add(-recentWindow).Unix(), now)
		if err != nil {
			return sessionCounts{}, err
		}
		seen := make(map[string]bool, len(list))
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
		return c, nil
	})
	return recentSessionsResult{s, ids, counts}, err
}

func (res recentSessionsResult) Write(s *Sink) {
	for _, f := range []*Family{res.s.recent, res.s.active} {
		for i, pid := range res.projects {
			if c := res.counts[i]; c.ok {
				v := c.recent
				if f == res.s.active {
					v = c.active
				}
				s.Sample(f, float64(v), pid)
			}
		}
	}
}
