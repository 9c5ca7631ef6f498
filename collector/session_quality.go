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
	registerCollector("session_quality", false, func(a *config.Account, _ shared) Scraper {
		return newSessionQuality(time.Duration(a.SessionQualityLookback))
	})
}

// qualities are DescribeDeviceSessionList's grades, always exported, then
// unknown for any other grade.
var qualities = []string{"good", "normal", "bad", "unknown"}

// qualityCounts are one project's sessions and seconds per quality (in
// qualities order); ok is false when its call failed.
type qualityCounts struct {
	count, secs [4]float64
	hasUnknown  bool
	ok          bool
}

// sessionQuality counts the sessions that ended within the look-back by
// quality grade. Off by default: it pages through every such session.
type sessionQuality struct {
	lookback time.Duration
	gauges   []qualityGauge
}

// qualityGauge is a per-project, per-quality gauge and the values it exports.
type qualityGauge struct {
	fam    *Family
	values func(*qualityCounts) *[4]float64
}

func newSessionQuality(lookback time.Duration) *sessionQuality {
	return &sessionQuality{
		lookback: lookback,
		gauges: []qualityGauge{
			{gaugeFamily("trro_session_quality_sessions",
				"Sessions that ended within the look-back (default 24h), by quality: good, normal, bad, and unknown for other grades.",
				"project_id", "quality"),
				func(c *qualityCounts) *[4]float64 { return &c.count }},
			{gaugeFamily("trro_session_quality_duration_seconds",
				"Summed duration of the sessions that ended within the look-back, by quality.",
				"project_id", "quality"),
				func(c *qualityCounts) *[4]float64 { return &c.secs }},
		},
	}
}

func (s *sessionQuality) Name() string { return "session_quality" }

func (s *sessionQuality) Families() []*Family {
	return []*Family{s.gauges[0].fam, s.gauges[1].fam}
}

func (s *sessionQuality) Demand(f plan.Fleet, z Sizing) []plan.Demand {
	return append(append(discovery(f, z), deviceFilterDemand(f, z)...), plan.Demand{Action: trro.ActionDescribeDeviceSessionList, Calls: plan.SumPages(f.QualitySessions, z.PageSize, 0)})
}

type sessionQualityResult struct {
	gauges    []qualityGauge
	projects  []string
	counts    []qualityCounts
	truncated bool // some project's list was cut short at max_pages
}

func (res sessionQualityResult) Truncated() bool { return res.truncated }

func (s *sessionQuality) Fetch(ctx context.Context, r *Round) (Result, error) {
	start, end := r.Now.Add(-s.lookback).Unix(), r.Now.Unix()
	var truncated atomic.Bool
	ids, counts, err := perProject(ctx, r, func(id string) (qualityCounts, error) {
		list, cut, err := r.API.DescribeDeviceSessionList(ctx, id, start, end)
		if err != nil {
			return qualityCounts{}, err
		}
		excluded, err := r.excludedDevices(ctx, id)
		if err != nil {
			return qualityCounts{}, err
		}
		list = withoutDevices(list, excluded, func(s *trro.DeviceSession) []trro.Text {
			return []trro.Text{s.FieldDeviceID, s.RemoteDeviceID}
		})
		if cut {
			truncated.Store(true)
		}
		return countQuality(list, start, end), nil
	})
	return sessionQualityResult{s.gauges, ids, counts, truncated.Load()}, err
}

// qualityIndex is grade's index in qualities; unknown for any other grade.
func qualityIndex(grade string) int {
	for i, name := range qualities[:len(qualities)-1] {
		if grade == name {
			return i
		}
	}
	return len(qualities) - 1
}

// countQuality counts each session that ended within [start, end] once.
func countQuality(list []trro.DeviceSession, start, end int64) qualityCounts {
	c := qualityCounts{ok: true}
	seen := make(map[trro.Text]bool, len(list))
	for _, sess := range list {
		if sess.SessionID == "" || seen[sess.SessionID] {
			continue
		}
		// The API filters by time too; this keeps the window exact.
		if !sess.EndTime.Valid || sess.EndTime.Value < start || sess.EndTime.Value > end {
			continue
		}
		seen[sess.SessionID] = true
		q := qualityIndex(string(sess.Quality))
		c.hasUnknown = c.hasUnknown || q == len(qualities)-1
		c.count[q]++
		if sess.StartTime.Valid && sess.EndTime.Value > sess.StartTime.Value {
			c.secs[q] += float64(sess.EndTime.Value - sess.StartTime.Value)
		}
	}
	return c
}

func (res sessionQualityResult) Write(s Sink) {
	for _, g := range res.gauges {
		for i, pid := range res.projects {
			c := &res.counts[i]
			if !c.ok {
				continue
			}
			v := g.values(c)
			for q, name := range qualities {
				// unknown only when some session had another grade.
				if q < len(qualities)-1 || c.hasUnknown {
					s.Sample(g.fam, v[q], pid, name)
				}
			}
		}
	}
}
