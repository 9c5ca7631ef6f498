package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerSettings("session_details", SessionDetailsSettings{
		MaxLiveSessions: 200, MaxDevices: 2000, Retention: config.Duration(24 * time.Hour)})
	registerCollector("session_details", true, func(a *config.Account, sh shared) Scraper {
		window := SettingsOf[RoundSettings](a).ActiveSessionWindow
		return newSessionDetails(time.Duration(window), *SettingsOf[SessionDetailsSettings](a), sh.drops)
	})
}

// SessionDetailsSettings are the session_details collector's keys.
type SessionDetailsSettings struct {
	// MaxLiveSessions caps the live sessions followed per round.
	MaxLiveSessions int `yaml:"max_live_sessions"`
	// MaxDevices caps the devices that keep live-quality series: the
	// least recently in session go first.
	MaxDevices int `yaml:"max_session_devices"`
	// Retention: a device's session series go once it has had no session
	// for this long.
	Retention config.Duration `yaml:"session_details_retention"`
}

// Validate checks the keys' ranges.
func (s *SessionDetailsSettings) Validate() error {
	switch {
	case s.MaxLiveSessions < 1:
		return errors.New("max_live_sessions: must be at least 1")
	case s.MaxDevices < 1:
		return errors.New("max_session_devices: must be at least 1")
	case s.Retention <= 0:
		return errors.New("session_details_retention: must be positive")
	}
	return nil
}

// firstLook is how far back the points of a session seen for the first
// time are read.
const firstLook = 5 * time.Minute

// windowSlack is how far before its previous read a session's next read
// may start: points the API delivers that late are not counted.
const windowSlack = 5 * time.Minute

// sessionDetails follows every live session's per-second series
// (DescribeDeviceSessionDetails) and keeps, per device, histograms of its
// latency and packet loss over the exporter's life, counters, and gauges of
// its latest point. Each point is counted once: a cursor per session and
// device remembers the last point counted (details_count.go); a round's
// page is a copy of the state (details_result.go).
type sessionDetails struct {
	detailFamilies
	activeWindow, retention time.Duration
	maxSessions, maxDevices int
	drops                   *drops

	mu        sync.Mutex
	devices   map[deviceKey]*deviceState
	links     map[linkKey]*linkState
	following map[string]*followed // session id → what is known of it
}

func newSessionDetails(activeWindow time.Duration, set SessionDetailsSettings, d *drops) *sessionDetails {
	return &sessionDetails{
		detailFamilies: newDetailFamilies(),
		activeWindow:   activeWindow, retention: time.Duration(set.Retention), drops: d,
		maxSessions: set.MaxLiveSessions, maxDevices: set.MaxDevices,
		devices:   map[deviceKey]*deviceState{},
		links:     map[linkKey]*linkState{},
		following: map[string]*followed{},
	}
}

func (s *sessionDetails) Name() string        { return "session_details" }
func (s *sessionDetails) Families() []*Family { return s.families() }

// Demand: the shared recent-session lists, and a call per live session, at
// most max_live_sessions (and one more per session that ended since the
// last scrape).
func (s *sessionDetails) Demand(f plan.Fleet, z Sizing) []plan.Demand {
	return append(recentDemand(f, z), plan.Demand{Action: trro.ActionDescribeDeviceSessionDetails, Calls: min(plan.Sum(f.Sizes(s.liveList())), s.maxSessions)})
}

// Series: two devices per live session now, at most max_session_devices,
// each with the series of one device that runs two of the four stages
// (multi-network links add more).
func (s *sessionDetails) Series(f plan.Fleet) SeriesEstimate {
	per := s.seriesPerDevice()
	devices := min(2*plan.Sum(f.Sizes(s.liveList())), s.maxDevices)
	return SeriesEstimate{Now: devices * per, Max: s.maxDevices * per,
		How: fmt.Sprintf("%d per device in session, %d more per network link; %d devices at most (max_session_devices)",
			per, s.seriesPerLink(), s.maxDevices)}
}

// seriesPerDevice counts the series of a device in session: a histogram is
// its buckets, +Inf, _sum and _count.
func (s *sessionDetails) seriesPerDevice() int {
	n := len(s.gauges) + len(s.counters) + 1 + 2 + 1 // + points, resolution (sent, configured), info
	stages := 0
	for _, h := range s.hists {
		if h.extra != nil {
			stages++
			continue
		}
		n += len(h.fam.buckets) + 3
	}
	if stages > 0 {
		n += 2 * (len(stageBuckets) + 3) // a device runs two of the stages
	}
	return n
}

func (s *sessionDetails) seriesPerLink() int {
	return len(latencyBuckets) + 3 + len(lossBuckets) + 3 + len(s.linkRates)
}

// liveList is the recent-session lists as sizing counts the live sessions.
func (s *sessionDetails) liveList() plan.List {
	return plan.List{Action: trro.ActionDescribeRecentSessionList, Window: s.activeWindow, PerProject: true, Items: "live sessions"}
}

// liveSession is a session of the recent list that is live now.
type liveSession struct {
	projectID string
	s         trro.RecentSession
}

// detailsFetch is one Fetch: the sessions it found live, and the reads of
// their points, which start as soon as a project's list is in.
type detailsFetch struct {
	s           *sessionDetails
	r           *Round
	activeSince int64
	reads       errgroup.Group

	mu        sync.Mutex
	listed    map[string]bool // sessions listed this round
	live      []liveSession   // every live one, for who drives what
	admitted  int             // live sessions whose points are read
	truncated bool
	failed    map[string]bool // projects whose list failed or was cut short
	errs      []error
}

func (s *sessionDetails) Fetch(ctx context.Context, r *Round) (Result, error) {
	f := &detailsFetch{s: s, r: r, activeSince: r.Now.Add(-s.activeWindow).Unix(),
		listed: map[string]bool{}, failed: map[string]bool{}}
	f.reads.SetLimit(projectWorkers)
	// Lists and series have rate limits of their own: the two overlap.
	_, _, listErr := perProject(ctx, r, func(pid string) (struct{}, error) { return struct{}{}, f.list(ctx, pid) })
	// Sessions followed and no longer live get one last call, for their
	// final points; those of a project that could not be listed wait.
	if len(r.projectIDs) > 0 || !errors.Is(listErr, errDiscovery) {
		for _, id := range f.ended() {
			f.read(ctx, id, liveSession{})
		}
	}
	f.reads.Wait()
	return s.snapshot(r.Now, f.live, f.truncated), errors.Join(append([]error{listErr}, f.errs...)...)
}

// list takes a project's live sessions from the round's list and starts
// reading the points of those admitted: the first max_live_sessions live
// sessions listed.
func (f *detailsFetch) list(ctx context.Context, pid string) error {
	list, cut, err := f.r.RecentSessions(ctx, pid)
	f.mu.Lock()
	if err != nil {
		f.failed[pid] = true
		f.mu.Unlock()
		return err
	}
	// A list cut short may leave out live sessions: none of its project's
	// sessions is taken for ended.
	f.truncated = f.truncated || cut
	f.failed[pid] = f.failed[pid] || cut
	var mine []liveSession
	for _, sess := range list {
		id := string(sess.SessionID)
		if id == "" || f.listed[id] {
			continue
		}
		f.listed[id] = true
		if !sess.LatestUpdateTime.Valid || sess.LatestUpdateTime.Value < f.activeSince {
			continue
		}
		if sess.StartTime.Valid && plausibleTime(sess.StartTime.Value) != "" {
			f.s.drops.add("StartTime", "implausible", 1)
		}
		l := liveSession{pid, sess}
		f.live = append(f.live, l)
		if f.admitted < f.s.maxSessions {
			f.admitted++
			mine = append(mine, l)
		} else {
			f.truncated = true
		}
	}
	f.mu.Unlock()
	for _, l := range mine {
		f.read(ctx, string(l.s.SessionID), l)
	}
	return nil
}

// ended are the sessions followed that are no longer live, but those of
// projects whose list failed. Their last calls count against
// max_live_sessions with the live ones: those past it are forgotten
// without one (truncated), the longest ended first.
func (f *detailsFetch) ended() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	live := map[string]bool{}
	for _, l := range f.live {
		live[string(l.s.SessionID)] = true
	}
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	var ended []string
	for id, fl := range f.s.following {
		if !live[id] && !f.failed[fl.project] {
			ended = append(ended, id)
		}
	}
	slices.SortFunc(ended, func(a, b string) int {
		return cmp.Or(f.s.following[b].lastLive.Compare(f.s.following[a].lastLive), strings.Compare(a, b))
	})
	if budget := max(f.s.maxSessions-f.admitted, 0); len(ended) > budget {
		for _, id := range ended[budget:] {
			delete(f.s.following, id)
		}
		ended, f.truncated = ended[:budget], true
	}
	return ended
}

// read reads a session's points in the background; a failure is kept for
// Fetch's error.
func (f *detailsFetch) read(ctx context.Context, id string, l liveSession) {
	f.reads.Go(func() error {
		if err := f.s.read(ctx, f.r, id, l); err != nil {
			f.mu.Lock()
			f.errs = append(f.errs, fmt.Errorf("session %s: %w", id, err))
			f.mu.Unlock()
		}
		return nil
	})
}

// read fetches a session's points since what was counted and counts them.
// A session no longer live (l is zero) gets this last call for its final
// points, and is forgotten afterwards whatever the answer.
func (s *sessionDetails) read(ctx context.Context, r *Round, id string, l liveSession) error {
	now := r.Now.Unix()
	final := l.projectID == ""
	from := s.readFrom(id, l, r.Now)
	details, err := r.API.DescribeDeviceSessionDetails(ctx, id, from, now)
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.following[id]
	if final && f != nil {
		delete(s.following, id)
	}
	if err != nil {
		return err
	}
	if f == nil {
		if final {
			return nil
		}
		f = &followed{project: l.projectID, field: string(l.s.FieldDeviceID), remote: string(l.s.RemoteDeviceID),
			cursors: map[deviceKey]int64{}}
		s.following[id] = f
	}
	if !final {
		f.lastLive = r.Now
	}
	f.lastRead = now
	for i := range details {
		s.count(&details[i], f, from, now, r.Now, !final)
	}
	// A device not in the answers for the window's span no longer holds
	// the window back.
	for k, c := range f.cursors {
		if c < from {
			delete(f.cursors, k)
		}
	}
	if r.Now.Sub(f.lastLive) > s.retention {
		delete(s.following, id)
	}
	return nil
}

// readFrom is where a session's next read starts: after the earliest of
// its devices' cursors, but no earlier than windowSlack before its last
// read (a device that vanished from the answers does not hold the window
// back); on first sight, from the session's start or firstLook ago, the
// later.
func (s *sessionDetails) readFrom(id string, l liveSession, now time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.following[id]; f != nil && len(f.cursors) > 0 {
		from := now.Unix()
		for _, c := range f.cursors {
			from = min(from, c+1)
		}
		return max(from, f.lastRead-int64(windowSlack.Seconds()))
	}
	from := now.Add(-firstLook).Unix()
	if l.s.StartTime.Valid {
		from = max(from, l.s.StartTime.Value)
	}
	return from
}
