package collector

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerSettings("session_quality", SessionQualitySettings{Lookback: config.Duration(24 * time.Hour)})
	registerCollector("session_quality", false, func(a *config.Account, _ shared) Scraper {
		return newSessionQuality(time.Duration(SettingsOf[SessionQualitySettings](a).Lookback))
	})
}

// SessionQualitySettings are the session_quality collector's keys.
type SessionQualitySettings struct {
	// Lookback is how far back the sessions graded are read.
	Lookback config.Duration `yaml:"session_quality_lookback"`
}

// Validate checks the lookback.
func (s *SessionQualitySettings) Validate() error {
	if s.Lookback <= 0 {
		return errors.New("session_quality_lookback: must be positive")
	}
	return nil
}

// qualities are DescribeDeviceSessionList's grades, always exported;
// unknown stands for any other grade, exported when one was seen.
var qualities = []string{"good", "normal", "bad"}

const unknownQuality = "unknown"

// qualityCounts are one project's sessions and seconds by quality; ok is
// false when its call failed.
type qualityCounts struct {
	count, secs map[string]float64
	ok          bool
}

// sessionQuality counts the sessions that ended within the look-back by
// quality grade. Off by default: it pages through every such session.
type sessionQuality struct {
	lookback       time.Duration
	sessions, secs *Family
}

func newSessionQuality(lookback time.Duration) *sessionQuality {
	return &sessionQuality{
		lookback: lookback,
		sessions: gaugeFamily("trro_session_quality_sessions",
			"Sessions that ended within the look-back (session_quality_lookback), by quality: good, normal, bad, and unknown for other grades.",
			"project_id", "quality"),
		secs: gaugeFamily("trro_session_quality_duration_seconds",
			"Summed duration of the sessions that ended within the look-back, by quality.",
			"project_id", "quality"),
	}
}

func (s *sessionQuality) Name() string        { return "session_quality" }
func (s *sessionQuality) Families() []*Family { return []*Family{s.sessions, s.secs} }

func (s *sessionQuality) Demand(f plan.Fleet, z Sizing) []plan.Demand {
	ended := plan.List{Action: trro.ActionDescribeDeviceSessionList, Window: s.lookback, PerProject: true, Items: "ended sessions"}
	return append(append(discovery(f, z), deviceFilterDemand(f, z)...), plan.Demand{Action: ended.Action, Calls: plan.SumPages(f.Sizes(ended), z.PageSize, 0)})
}

func (s *sessionQuality) Fetch(ctx context.Context, r *Round) (Result, error) {
	start, end := r.Now.Add(-s.lookback).Unix(), r.Now.Unix()
	return perProjectCounts(ctx, r, func(pid string) (qualityCounts, bool, error) {
		list, cut, err := r.API.DescribeDeviceSessionList(ctx, pid, start, end)
		if err != nil {
			return qualityCounts{}, false, err
		}
		excluded, err := r.excludedDevices(ctx, pid)
		if err != nil {
			return qualityCounts{}, false, err
		}
		list = withoutDevices(list, excluded, func(s *trro.DeviceSession) []trro.Text {
			return []trro.Text{s.FieldDeviceID, s.RemoteDeviceID}
		})
		return countQuality(list, start, end), cut, nil
	}, func(sink Sink, pid string, c *qualityCounts) { writeQualities(sink, s.sessions, pid, c, c.count) },
		func(sink Sink, pid string, c *qualityCounts) { writeQualities(sink, s.secs, pid, c, c.secs) })
}

// qualityOf is a grade's label value: itself when documented, else unknown.
func qualityOf(grade string) string {
	if slices.Contains(qualities, grade) {
		return grade
	}
	return unknownQuality
}

// countQuality counts each session that ended within [start, end] once.
func countQuality(list []trro.DeviceSession, start, end int64) qualityCounts {
	c := qualityCounts{count: map[string]float64{}, secs: map[string]float64{}, ok: true}
	// The API filters by time too; this keeps the window exact.
	list = slices.DeleteFunc(slices.Clone(list), func(s trro.DeviceSession) bool {
		return !s.EndTime.Valid || s.EndTime.Value < start || s.EndTime.Value > end
	})
	for _, sess := range unique(list, func(s *trro.DeviceSession) string { return string(s.SessionID) }) {
		q := qualityOf(string(sess.Quality))
		c.count[q]++
		if sess.StartTime.Valid && sess.EndTime.Value > sess.StartTime.Value {
			c.secs[q] += float64(sess.EndTime.Value - sess.StartTime.Value)
		}
	}
	return c
}

// writeQualities writes one project's values by quality: every documented
// grade, and unknown only when some session had another grade.
func writeQualities(sink Sink, f *Family, pid string, c *qualityCounts, values map[string]float64) {
	if !c.ok {
		return
	}
	for _, q := range qualities {
		sink.Sample(f, values[q], pid, q)
	}
	if _, seen := c.count[unknownQuality]; seen {
		sink.Sample(f, values[unknownQuality], pid, unknownQuality)
	}
}
