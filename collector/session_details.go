package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("session_details", true, func(a *config.Account, sh shared) Scraper { return newSessionDetails(a, sh.drops) })
}

// Bucket upper bounds of the live-quality histograms.
var (
	latencyBuckets = []float64{0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5}
	lossBuckets    = []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5}
)

// firstLook is how far back the points of a session seen for the first
// time are read.
const firstLook = 5 * time.Minute

// Conversions of per-second points to base units.
func millis(v float64) float64      { return v / 1000 }
func percents(v float64) float64    { return v / 100 }
func kbpsToBytes(v float64) float64 { return v * 125 }
func same(v float64) float64        { return v }

// series is one per-point array of SessionDeviceDetail: which field, how a
// value becomes base units, and the largest plausible value after that
// (anything above, or below 0, is dropped as implausible).
type series struct {
	field string
	read  func(*trro.SessionDeviceDetail) []trro.Num
	conv  func(float64) float64
	max   float64
}

// pointHistogram is a histogram family observing one series, a point each.
type pointHistogram struct {
	fam *Family
	series
}

// pointGauge is a gauge family holding a series' latest point.
type pointGauge struct {
	fam *Family
	series
}

// sessionDetails follows every live session's per-second series
// (DescribeDeviceSessionDetails) and keeps, per device, histograms of its
// latency and packet loss over the exporter's life, counters, and gauges of
// its latest point. Each point is counted once: a cursor per session and
// device remembers the last point counted.
type sessionDetails struct {
	activeWindow, retention time.Duration
	maxSessions             int

	hists                   []pointHistogram
	gauges                  []pointGauge
	stutter                 []series // by threshold, in stutterThresholds order
	linkRtt, linkLoss       series
	points, stutterSeconds  *Family
	linkRttFam, linkLossFam *Family
	liveStart               *Family
	histFams                []*Family

	mu        sync.Mutex
	devices   map[deviceKey]*deviceState
	links     map[linkKey]*linkState
	following map[string]*followed // session id → what is known of it
	drops     *drops
}

var stutterThresholds = []string{"100ms", "150ms"}

// deviceKey names a device's series.
type deviceKey struct{ project, device, typ string }

// linkKey names one network link of a device.
type linkKey struct {
	dev deviceKey
	net string
}

// histogram is one series' observations: per-bucket (not cumulative)
// counts, the count and the sum.
type histogram struct {
	buckets []uint64
	count   uint64
	sum     float64
}

func newHistogram(bounds []float64) histogram { return histogram{buckets: make([]uint64, len(bounds))} }

func (h *histogram) observe(bounds []float64, v float64) {
	if i, _ := slices.BinarySearch(bounds, v); i < len(bounds) {
		h.buckets[i]++
	}
	h.count++
	h.sum += v
}

// cumulative are the counts as exposed: each bucket holds the ones below.
func (h *histogram) cumulative() []uint64 {
	out := make([]uint64, len(h.buckets))
	var n uint64
	for i, c := range h.buckets {
		n += c
		out[i] = n
	}
	return out
}

func (h histogram) clone() histogram {
	h.buckets = slices.Clone(h.buckets)
	return h
}

// deviceState is what the exporter keeps of a device's sessions.
type deviceState struct {
	hists    []histogram
	points   uint64
	stutter  []float64 // seconds, per threshold
	latest   []trro.Num
	lastSeen time.Time // the last round it was in a session
	live     bool      // in a live session in the last round
}

// linkState is what the exporter keeps of one link of a device.
type linkState struct {
	rtt, loss histogram
	lastSeen  time.Time
}

// followed is a session the collector has read points of.
type followed struct {
	project  string
	cursors  map[deviceKey]int64 // the last point counted, per device
	lastLive time.Time
}

func newSessionDetails(a *config.Account, dr *drops) *sessionDetails {
	labels := []string{"project_id", "device_id", "device_type"}
	linkLabels := append(slices.Clone(labels), "net_id")
	h := func(name, help string, buckets []float64, sr series) pointHistogram {
		return pointHistogram{histogramFamily("trro_session_"+name, help, buckets, labels...), sr}
	}
	g := func(name, help string, sr series) pointGauge {
		return pointGauge{gaugeFamily("trro_session_"+name, help, labels...), sr}
	}
	type d = trro.SessionDeviceDetail
	const hour = 3600
	sd := &sessionDetails{
		activeWindow: time.Duration(a.ActiveSessionWindow), retention: time.Duration(a.SessionDetailsRetention),
		maxSessions: a.MaxLiveSessions,
		hists: []pointHistogram{
			h("video_latency_seconds", "Video latency of devices in session, one observation per second of session (DescribeDeviceSessionDetails VideoLatency ms ÷ 1000).",
				latencyBuckets, series{"VideoLatency", func(x *d) []trro.Num { return x.VideoLatency }, millis, hour}),
			h("network_latency_seconds", "Network latency of devices in session, one observation per second (NetworkLatency ms ÷ 1000).",
				latencyBuckets, series{"NetworkLatency", func(x *d) []trro.Num { return x.NetworkLatency }, millis, hour}),
			h("control_latency_seconds", "Round trip of control messages between field and remote device, one observation per second (ControlLatency ms ÷ 1000).",
				latencyBuckets, series{"ControlLatency", func(x *d) []trro.Num { return x.ControlLatency }, millis, hour}),
			h("packet_loss_ratio", "Packet loss of devices in session, 0 to 1, one observation per second (Lost % ÷ 100).",
				lossBuckets, series{"Lost", func(x *d) []trro.Num { return x.Lost }, percents, 1}),
		},
		gauges: []pointGauge{
			g("frames_per_second", "Video frame rate at the device's latest point in session (Fps); absent when not in session.",
				series{"Fps", func(x *d) []trro.Num { return x.Fps }, same, 1000}),
			g("bitrate_bytes_per_second", "Video bitrate at the device's latest point in session (Rate kbps × 1000 ÷ 8: bytes, the base unit); absent when not in session.",
				series{"Rate", func(x *d) []trro.Num { return x.Rate }, kbpsToBytes, 1e10}),
			g("cpu_usage_ratio", "CPU use of the device at its latest point in session, 0 to 1 (CpuUsed % ÷ 100); absent when not in session.",
				series{"CpuUsed", func(x *d) []trro.Num { return x.CPUUsed }, percents, 1}),
			g("memory_usage_ratio", "Memory use of the device at its latest point in session, 0 to 1 (MemUsed % ÷ 100); absent when not in session.",
				series{"MemUsed", func(x *d) []trro.Num { return x.MemUsed }, percents, 1}),
		},
		// The API does not state the unit of Lag*Duration; points are one
		// second apart, and the values seen fit milliseconds of that second.
		stutter: []series{
			{"Lag100Duration", func(x *d) []trro.Num { return x.Lag100Duration }, millis, hour},
			{"Lag150Duration", func(x *d) []trro.Num { return x.Lag150Duration }, millis, hour},
		},
		linkRtt:  series{"MultiNet.Rtt", nil, millis, hour},
		linkLoss: series{"MultiNet.Lost", nil, percents, 1},
		points: newFamily("trro_session_detail_points_total",
			"Per-second points of the device's sessions counted so far (DescribeDeviceSessionDetails).",
			prometheus.CounterValue, labels...),
		stutterSeconds: newFamily("trro_session_stutter_seconds_total",
			"Stutter time of the device's video: seconds with frame gaps over the threshold (Lag100Duration, Lag150Duration, read as ms).",
			prometheus.CounterValue, append(slices.Clone(labels), "threshold")...),
		linkRttFam: histogramFamily("trro_session_link_rtt_seconds",
			"Round trip time of each network link of multi-network devices in session, one observation per second (MultiNet Rtt ms ÷ 1000).",
			latencyBuckets, linkLabels...),
		linkLossFam: histogramFamily("trro_session_link_packet_loss_ratio",
			"Packet loss of each network link of multi-network devices in session, 0 to 1, one observation per second (MultiNet Lost % ÷ 100).",
			lossBuckets, linkLabels...),
		liveStart: gaugeFamily("trro_live_session_start_timestamp_seconds",
			"When each live session started: who drives what, right now (DescribeRecentSessionList).",
			"project_id", "field_device_id", "remote_device_id", "resolution"),
		devices:   map[deviceKey]*deviceState{},
		links:     map[linkKey]*linkState{},
		following: map[string]*followed{},
		drops:     dr,
	}
	for _, h := range sd.hists {
		sd.histFams = append(sd.histFams, h.fam)
	}
	return sd
}

func (s *sessionDetails) Name() string { return "session_details" }

func (s *sessionDetails) Families() []*Family {
	fs := slices.Clone(s.histFams)
	for _, g := range s.gauges {
		fs = append(fs, g.fam)
	}
	return append(fs, s.points, s.stutterSeconds, s.linkRttFam, s.linkLossFam, s.liveStart)
}

// Demand: the shared recent-session lists, and a call per live session, at
// most max_live_sessions (and one more per session that ended since the
// last scrape).
func (s *sessionDetails) Demand(f plan.Fleet, z Sizing) []plan.Demand {
	live := 0
	for _, n := range f.LiveSessions {
		live += n
	}
	return append(recentDemand(f, z), plan.Demand{Action: trro.ActionDescribeDeviceSessionDetails, Calls: min(live, s.maxSessions)})
}

// liveSession is a session of the recent list that is live now.
type liveSession struct {
	projectID string
	s         trro.RecentSession
}

func (s *sessionDetails) Fetch(ctx context.Context, r *Round) (Result, error) {
	activeSince := r.Now.Add(-s.activeWindow).Unix()
	var (
		mu        sync.Mutex
		listed    = map[string]bool{} // sessions listed this round
		liveIDs   = map[string]bool{}
		all       []liveSession // every live one, for who drives what
		admitted  int
		truncated bool
		failed    = map[string]bool{} // projects whose list failed or was cut short
		errs      []error
	)
	var reads errgroup.Group
	reads.SetLimit(projectWorkers)
	read := func(id string, l liveSession) {
		reads.Go(func() error {
			if err := s.read(ctx, r, id, l); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("session %s: %w", id, err))
				mu.Unlock()
			}
			return nil
		})
	}
	// A project's live sessions are read as soon as its list is in: lists
	// and series have rate limits of their own, so the two overlap. Points
	// are read for the first max_live_sessions live sessions listed.
	_, _, listErr := perProject(ctx, r, func(pid string) (struct{}, error) {
		list, cut, err := r.RecentSessions(ctx, pid)
		mu.Lock()
		if err != nil {
			failed[pid] = true
			mu.Unlock()
			return struct{}{}, err
		}
		// A list cut short may leave out live sessions: none of its
		// project's sessions is taken for ended.
		truncated = truncated || cut
		failed[pid] = failed[pid] || cut
		var mine []liveSession
		for _, sess := range list {
			id := string(sess.SessionID)
			if id == "" || listed[id] {
				continue
			}
			listed[id] = true
			if !sess.LatestUpdateTime.Valid || sess.LatestUpdateTime.Value < activeSince {
				continue
			}
			l := liveSession{pid, sess}
			if sess.StartTime.Valid && plausibleTime(sess.StartTime.Value) != "" {
				s.drop("StartTime", "implausible", 1)
			}
			all = append(all, l)
			liveIDs[id] = true
			if admitted < s.maxSessions {
				admitted++
				mine = append(mine, l)
			} else {
				truncated = true
			}
		}
		mu.Unlock()
		for _, l := range mine {
			read(string(l.s.SessionID), l)
		}
		return struct{}{}, nil
	})
	// Sessions read before and no longer live get one last call, for their
	// final points; those of a project that could not be listed wait.
	if len(r.projectIDs) > 0 || !errors.Is(listErr, errDiscovery) {
		s.mu.Lock()
		var ended []string
		for id, f := range s.following {
			if !liveIDs[id] && !failed[f.project] {
				ended = append(ended, id)
			}
		}
		s.mu.Unlock()
		for _, id := range ended {
			read(id, liveSession{})
		}
	}
	reads.Wait()
	res := s.snapshot(r.Now, all, truncated)
	return res, errors.Join(append([]error{listErr}, errs...)...)
}

// read fetches a session's points since what was counted and counts them.
// A session no longer live (l is zero) gets this last call for its final
// points; its cursors go afterwards.
func (s *sessionDetails) read(ctx context.Context, r *Round, id string, l liveSession) error {
	now := r.Now.Unix()
	final, projectID := l.projectID == "", l.projectID
	s.mu.Lock()
	f := s.following[id]
	// On first sight, from the session's start or firstLook ago, the later.
	from := r.Now.Add(-firstLook).Unix()
	if l.s.StartTime.Valid {
		from = max(from, l.s.StartTime.Value)
	}
	if f != nil && len(f.cursors) > 0 {
		from = now
		for _, c := range f.cursors {
			from = min(from, c+1)
		}
	}
	s.mu.Unlock()
	details, err := r.API.DescribeDeviceSessionDetails(ctx, id, from, now)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f = s.following[id]
	if f == nil {
		f = &followed{project: projectID, cursors: map[deviceKey]int64{}}
		s.following[id] = f
	}
	if final {
		projectID = f.project // the last call has no list entry to name it
	}
	if !final {
		f.lastLive = r.Now
	}
	for i := range details {
		s.count(&details[i], f, projectID, from, now, r.Now, !final)
	}
	if final || r.Now.Sub(f.lastLive) > s.retention {
		delete(s.following, id)
	}
	return nil
}

func (s *sessionDetails) drop(field, reason string, n int) { s.drops.add(field, reason, n) }

// point is one second of a device's series: its time and index.
type point struct {
	t int64
	i int
}

// count counts d's points after the device's cursor (on first sight, from
// floor) up to now, once each. Called with s.mu held.
func (s *sessionDetails) count(d *trro.SessionDeviceDetail, f *followed, projectID string, floor, now int64, at time.Time, live bool) {
	key := deviceKey{project: string(d.ProjectID), device: string(d.DeviceID), typ: string(d.DeviceType)}
	if key.project == "" {
		key.project = projectID
	}
	if key.typ != "field" && key.typ != "remote" {
		key.typ = "unknown"
	}
	if key.device == "" || key.project == "" {
		s.drop("DeviceId", "missing", len(d.TimeOffset))
		return
	}
	if !d.StartTime.Valid {
		s.drop("TimeOffset", "no_time", len(d.TimeOffset))
		return
	}
	cursor, ok := f.cursors[key]
	if !ok {
		cursor = floor - 1
	}
	var pts []point
	for i, off := range d.TimeOffset {
		switch t := d.StartTime.Value + int64(off.Value); {
		case !off.Valid:
			s.drop("TimeOffset", "no_time", 1)
		case t > now:
			s.drop("TimeOffset", "outside_window", 1)
		case t > cursor: // at or before the cursor: counted already
			pts = append(pts, point{t, i})
		}
	}
	slices.SortStableFunc(pts, func(a, b point) int { return int(a.t - b.t) })
	pts = slices.CompactFunc(pts, func(a, b point) bool { return a.t == b.t })
	st := s.devices[key]
	if st == nil {
		st = &deviceState{stutter: make([]float64, len(s.stutter)), latest: make([]trro.Num, len(s.gauges))}
		for _, h := range s.hists {
			st.hists = append(st.hists, newHistogram(h.fam.buckets))
		}
		s.devices[key] = st
	}
	st.lastSeen = at
	st.live = st.live || live
	if len(pts) == 0 {
		return
	}
	f.cursors[key] = pts[len(pts)-1].t
	st.points += uint64(len(pts))
	for k, h := range s.hists {
		s.observe(&st.hists[k], h.fam.buckets, h.series, h.read(d), pts)
	}
	for k, sr := range s.stutter {
		vals := sr.read(d)
		for _, p := range pts {
			if v, ok := s.value(sr, vals, p.i); ok {
				st.stutter[k] += v
			}
		}
	}
	last := pts[len(pts)-1].i
	for k, g := range s.gauges {
		if v, ok := s.value(g.series, g.read(d), last); ok {
			st.latest[k] = trro.Num{Value: v, Valid: true}
		}
	}
	for _, link := range d.MultiNet {
		if !link.NetID.Valid {
			s.drop("MultiNet.NetId", "null", len(pts))
			continue
		}
		lk := linkKey{key, strconv.FormatInt(int64(link.NetID.Value), 10)}
		ls := s.links[lk]
		if ls == nil {
			ls = &linkState{rtt: newHistogram(latencyBuckets), loss: newHistogram(lossBuckets)}
			s.links[lk] = ls
		}
		ls.lastSeen = at
		s.observe(&ls.rtt, latencyBuckets, s.linkRtt, link.Rtt, pts)
		s.observe(&ls.loss, lossBuckets, s.linkLoss, link.Lost, pts)
	}
}

// value is point i of vals in base units, when it is there and plausible;
// what is not is counted as dropped. An array the API did not send at all
// is no drop: the device does not report that field.
func (s *sessionDetails) value(sr series, vals []trro.Num, i int) (float64, bool) {
	switch {
	case vals == nil:
		return 0, false
	case i >= len(vals):
		s.drop(sr.field, "missing", 1)
		return 0, false
	case !vals[i].Valid:
		s.drop(sr.field, "null", 1)
		return 0, false
	}
	v := sr.conv(vals[i].Value)
	if v < 0 || v > sr.max {
		s.drop(sr.field, "implausible", 1)
		return 0, false
	}
	return v, true
}

func (s *sessionDetails) observe(h *histogram, bounds []float64, sr series, vals []trro.Num, pts []point) {
	for _, p := range pts {
		if v, ok := s.value(sr, vals, p.i); ok {
			h.observe(bounds, v)
		}
	}
}

// detailRow is a device's state at the end of a round, copied.
type detailRow struct {
	key deviceKey
	st  deviceState
}

type linkRow struct {
	key linkKey
	st  linkState
}

type sessionDetailsResult struct {
	s         *sessionDetails
	devices   []detailRow
	links     []linkRow
	live      []liveSession
	truncated bool
}

func (r *sessionDetailsResult) Truncated() bool { return r.truncated }

// snapshot copies the device states for this round's page, dropping those
// without a session for longer than the retention; gauges only for devices
// in a live session now.
func (s *sessionDetails) snapshot(now time.Time, live []liveSession, truncated bool) *sessionDetailsResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &sessionDetailsResult{s: s, live: live, truncated: truncated}
	for k, st := range s.devices {
		if now.Sub(st.lastSeen) > s.retention {
			delete(s.devices, k)
			continue
		}
		c := *st
		c.hists = make([]histogram, len(st.hists))
		for i := range st.hists {
			c.hists[i] = st.hists[i].clone()
		}
		c.stutter = slices.Clone(st.stutter)
		c.latest = slices.Clone(st.latest)
		c.live = st.live && st.lastSeen.Equal(now)
		res.devices = append(res.devices, detailRow{k, c})
		st.live = false
	}
	for k, ls := range s.links {
		if now.Sub(ls.lastSeen) > s.retention {
			delete(s.links, k)
			continue
		}
		res.links = append(res.links, linkRow{k, linkState{rtt: ls.rtt.clone(), loss: ls.loss.clone(), lastSeen: ls.lastSeen}})
	}
	slices.SortFunc(res.devices, func(a, b detailRow) int { return compareKeys(a.key, b.key) })
	slices.SortFunc(res.links, func(a, b linkRow) int {
		return cmp.Or(compareKeys(a.key.dev, b.key.dev), strings.Compare(a.key.net, b.key.net))
	})
	return res
}

func compareKeys(a, b deviceKey) int {
	return cmp.Or(strings.Compare(a.project, b.project), strings.Compare(a.device, b.device), strings.Compare(a.typ, b.typ))
}

func (res *sessionDetailsResult) Write(sink Sink) {
	s := res.s
	for k, h := range s.hists {
		for _, d := range res.devices {
			hs := &d.st.hists[k]
			sink.Histogram(h.fam, hs.cumulative(), hs.count, hs.sum, d.key.project, d.key.device, d.key.typ)
		}
	}
	for k, g := range s.gauges {
		for _, d := range res.devices {
			if v := d.st.latest[k]; d.st.live && v.Valid {
				sink.Sample(g.fam, v.Value, d.key.project, d.key.device, d.key.typ)
			}
		}
	}
	for _, d := range res.devices {
		sink.Sample(s.points, float64(d.st.points), d.key.project, d.key.device, d.key.typ)
	}
	for _, d := range res.devices {
		for k, th := range stutterThresholds {
			sink.Sample(s.stutterSeconds, d.st.stutter[k], d.key.project, d.key.device, d.key.typ, th)
		}
	}
	for _, l := range res.links {
		sink.Histogram(s.linkRttFam, l.st.rtt.cumulative(), l.st.rtt.count, l.st.rtt.sum, l.key.dev.project, l.key.dev.device, l.key.dev.typ, l.key.net)
	}
	for _, l := range res.links {
		sink.Histogram(s.linkLossFam, l.st.loss.cumulative(), l.st.loss.count, l.st.loss.sum, l.key.dev.project, l.key.dev.device, l.key.dev.typ, l.key.net)
	}
	// Who drives what: one series per pair and resolution, the latest start.
	type who struct{ project, field, remote, resolution string }
	starts := map[who]int64{}
	var order []who
	for _, l := range res.live {
		w := who{l.projectID, string(l.s.FieldDeviceID), string(l.s.RemoteDeviceID), string(l.s.Resolution)}
		if !l.s.StartTime.Valid || plausibleTime(l.s.StartTime.Value) != "" {
			continue
		}
		if _, ok := starts[w]; !ok {
			order = append(order, w)
		}
		starts[w] = max(starts[w], l.s.StartTime.Value)
	}
	for _, w := range order {
		sink.Sample(s.liveStart, float64(starts[w]), w.project, w.field, w.remote, w.resolution)
	}
}
