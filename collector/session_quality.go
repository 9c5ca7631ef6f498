package collector

import (
	"context"
	"time"
)

func init() {
	registerCollector("session_quality", false, func(s Settings) Scraper { return newSessionQuality(s.SessionQualityLookback) })
}

// qualities are DescribeDeviceSessionList's grades, always exported, then
// unknown for any other grade.
var qualities = []string{"good", "normal", "bad", "unknown"}

// sessionQuality counts the sessions that ended within the look-back by
// quality grade. Off by default: it pages through every such session.
type sessionQuality struct {
	lookback          time.Duration
	sessions, seconds *Family
}

func newSessionQuality(lookback time.Duration) *sessionQuality {
	return &sessionQuality{
		lookback: lookback,
		sessions: gaugeFamily("trro_session_quality_sessions",
			"Sessions that ended within the look-back (default 24h), by quality: good, normal, bad, and unknown for other grades.",
			"project_id", "quality"),
		seconds: gaugeFamily("trro_session_quality_duration_seconds",
			"Summed duration of the sessions that ended within the look-back, by quality.",
			"project_id", "quality"),
	}
}

func (s *sessionQuality) Name() string        { return "session_quality" }
func (s *sessionQuality) Families() []*Family { return []*Family{s.sessions, s.seconds} }

// qualityCounts are one project's sessions and seconds per quality (in
// qualities order); ok is false when its call failed.
type qualityCounts struct {
	count, secs [4]float64
	hasUnknown  bool
	ok          bool
}

type sessionQualityResult struct {
	s        *sessionQuality
	projects []string
	counts   []qualityCounts
}

func (s *sessionQuality) Fetch(ctx context.Context, r *Round) (Result, error) {
	start, end := r.Now.Add(-s.lookback).Unix(), r.Now.Unix()
	ids, counts, err := perProject(ctx, r, func(id string) (qualityCounts, error) {
		list, err := r.API.DescribeDeviceSessionList(ctx, id, start, end)
		if err != nil {
			return qualityCounts{}, err
		}
		c := qualityCounts{ok: true}
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
			q := len(qualities) - 1
			for i, name := range qualities[:q] {
				if sess.Quality == name {
					q = i
				}
			}
			c.hasUnknown = c.hasUnknown || q == len(qualities)-1
			c.count[q]++
			if sess.StartTime.Valid && sess.EndTime.Value > sess.StartTime.Value {
				c.secs[q] += float64(sess.EndTime.Value - sess.StartTime.Value)
			}
		}
		return c, nil
	})
	return sessionQualityResult{s, ids, counts}, err
}

func (res sessionQualityResult) Write(s *Sink) {
	for _, f := range []*Family{res.s.sessions, res.s.seconds} {
		for i, pid := range res.projects {
			c := &res.counts[i]
			if !c.ok {
				continue
			}
			v := &c.count
			if f == res.s.seconds {
				v = &c.secs
			}
			for q, name := range qualities {
				if q < len(qualities)-1 || c.hasUnknown {
					s.Sample(f, v[q], pid, name)
				}
			}
		}
	}
}
