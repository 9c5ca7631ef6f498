package collector

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trro-exporter/trro_exporter/trro"
)

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

// deviceState is what the exporter keeps of a device's sessions, each
// series' part under its API field's name (stutter under its threshold).
type deviceState struct {
	hists    map[string]histogram
	points   uint64
	sums     map[string]float64 // the counters' sums, by field
	latest   map[string]float64
	pixels   map[string]float64 // video size, by kind: sent, configured
	info     deviceInfo
	latestAt int64     // the time of the point latest holds
	lastSeen time.Time // the last round it was in a session
	live     bool      // in a live session in the last round
}

func newDeviceState() *deviceState {
	return &deviceState{hists: map[string]histogram{}, sums: map[string]float64{},
		latest: map[string]float64{}, pixels: map[string]float64{}}
}

// clone copies st, its maps its own.
func (st *deviceState) clone() deviceState {
	c := *st
	c.hists = maps.Clone(st.hists)
	for f, h := range c.hists {
		c.hists[f] = h.clone()
	}
	c.sums, c.latest, c.pixels = maps.Clone(st.sums), maps.Clone(st.latest), maps.Clone(st.pixels)
	return c
}

// deviceInfo is the device's SDK as its latest answer reports it.
type deviceInfo struct{ version, mode, multi string }

// linkState is what the exporter keeps of one link of a device.
type linkState struct {
	rtt, loss histogram
	rates     map[string]float64 // latest bytes per second, by direction
	latestAt  int64
	lastSeen  time.Time
	live      bool
}

// followed is a session the collector has read points of.
type followed struct {
	// project, field and remote are the session as listed: only its own
	// two devices are counted, under the project it was listed in.
	project, field, remote string
	cursors                map[deviceKey]int64 // the last point counted, per device
	lastLive               time.Time
	lastRead               int64 // when its points were last read (Unix seconds)
}

// point is one second of a device's series: its time and index.
type point struct {
	t int64
	i int
}

// count counts d's points after the device's cursor (on first sight, from
// floor) up to now, once each. Called with s.mu held.
func (s *sessionDetails) count(d *trro.SessionDeviceDetail, f *followed, floor, now int64, at time.Time, live bool) {
	key, ok := s.deviceOf(d, f)
	if !ok {
		return
	}
	cursor, ok := f.cursors[key]
	if !ok {
		cursor = floor - 1
	}
	pts := s.newPoints(d, cursor, now)
	st := s.devices[key]
	if st == nil {
		st = newDeviceState()
		s.devices[key] = st
	}
	st.lastSeen = at
	st.live = st.live || live
	if len(pts) == 0 {
		return
	}
	f.cursors[key] = pts[len(pts)-1].t
	st.points += uint64(len(pts))
	s.countDevice(st, d, pts)
	s.countLinks(key, d, pts, at, live)
}

// deviceOf is the device d's points belong to: one of the session's own
// two devices as listed, under the project it was listed in, whatever
// the answer says; false (and the points dropped) for any other device
// or points without a time. An answer is input, not truth.
func (s *sessionDetails) deviceOf(d *trro.SessionDeviceDetail, f *followed) (deviceKey, bool) {
	key := deviceKey{project: f.project, device: string(d.DeviceID), typ: string(d.DeviceType)}
	if key.typ != "field" && key.typ != "remote" {
		key.typ = "unknown"
	}
	switch {
	case key.device == "":
		s.drops.add("DeviceId", "missing", len(d.TimeOffset))
		return key, false
	case key.device != f.field && key.device != f.remote:
		s.drops.add("DeviceId", "not_in_session", len(d.TimeOffset))
		return key, false
	case !d.StartTime.Valid:
		s.drops.add("TimeOffset", "no_time", len(d.TimeOffset))
		return key, false
	}
	return key, true
}

// newPoints are d's points after cursor up to now, in time order, one per
// second.
func (s *sessionDetails) newPoints(d *trro.SessionDeviceDetail, cursor, now int64) []point {
	var pts []point
	for i, off := range d.TimeOffset {
		switch t := d.StartTime.Value + int64(off.Value); {
		case !off.Valid:
			s.drops.add("TimeOffset", "no_time", 1)
		case t > now:
			s.drops.add("TimeOffset", "outside_window", 1)
		case t > cursor: // at or before the cursor: counted already
			pts = append(pts, point{t, i})
		}
	}
	slices.SortStableFunc(pts, func(a, b point) int { return int(a.t - b.t) })
	return slices.CompactFunc(pts, func(a, b point) bool { return a.t == b.t })
}

// countDevice adds a device's points to its histograms and stutter, and
// keeps the gauges' latest values.
func (s *sessionDetails) countDevice(st *deviceState, d *trro.SessionDeviceDetail, pts []point) {
	for _, h := range s.hists {
		vals := h.read(d)
		hs, ok := st.hists[h.field]
		if !ok && h.sparse && vals == nil {
			continue
		}
		if !ok {
			hs = newHistogram(h.fam.buckets)
		}
		s.observe(&hs, h.fam.buckets, h.series, vals, pts)
		st.hists[h.field] = hs
	}
	for _, c := range s.counters {
		vals := c.read(d)
		for _, p := range pts {
			if v, ok := s.value(c.series, vals, p.i); ok {
				st.sums[c.field] += v
			}
		}
	}
	// A device in several sessions (a console driving two machines) is
	// read once per session: the gauges keep the latest point of all.
	last := pts[len(pts)-1]
	if last.t < st.latestAt {
		return
	}
	st.latestAt = last.t
	for _, g := range s.gauges {
		if v, ok := s.value(g.series, g.read(d), last.i); ok {
			st.latest[g.field] = v
		}
	}
	s.keepScalars(st, d)
}

// maxSide is the largest plausible width or height of a video, pixels.
const maxSide = 1 << 15

// keepScalars keeps what d says of the device as a whole: its video size
// and its SDK.
func (s *sessionDetails) keepScalars(st *deviceState, d *trro.SessionDeviceDetail) {
	for _, size := range []struct {
		kind, field string
		w, h        trro.Int
	}{{"sent", "Width", d.Width, d.Height}, {"configured", "ConfigWidth", d.ConfigWidth, d.ConfigHeight}} {
		switch {
		case !size.w.Valid || !size.h.Valid:
			delete(st.pixels, size.kind) // not reported: no stale size
		case size.w.Value <= 0 || size.h.Value <= 0 || size.w.Value > maxSide || size.h.Value > maxSide:
			s.drops.add(size.field, "implausible", 1)
			delete(st.pixels, size.kind)
		default:
			st.pixels[size.kind] = float64(size.w.Value * size.h.Value)
		}
	}
	st.info = deviceInfo{version: labelText(string(d.Ver)), mode: labelText(string(d.SdkMode)), multi: "unknown"}
	if d.MultiMode.Valid {
		st.info.multi = strconv.FormatBool(d.MultiMode.Value != 0)
	}
}

// labelText is an API string made fit for a label value: valid UTF-8, at
// most 64 bytes.
func labelText(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if len(v) > 64 {
		v = strings.ToValidUTF8(v[:64], "")
	}
	return v
}

// countLinks adds a device's points to its links' histograms and keeps
// their latest throughput.
func (s *sessionDetails) countLinks(key deviceKey, d *trro.SessionDeviceDetail, pts []point, at time.Time, live bool) {
	for _, link := range d.MultiNet {
		if !link.NetID.Valid {
			s.drops.add("MultiNet.NetId", "null", len(pts))
			continue
		}
		lk := linkKey{key, strconv.FormatInt(int64(link.NetID.Value), 10)}
		ls := s.links[lk]
		if ls == nil {
			ls = &linkState{rtt: newHistogram(latencyBuckets), loss: newHistogram(lossBuckets), rates: map[string]float64{}}
			s.links[lk] = ls
		}
		ls.lastSeen = at
		ls.live = ls.live || live
		s.observe(&ls.rtt, latencyBuckets, s.linkRtt, link.Rtt, pts)
		s.observe(&ls.loss, lossBuckets, s.linkLoss, link.Lost, pts)
		if last := pts[len(pts)-1]; last.t >= ls.latestAt {
			ls.latestAt = last.t
			for _, r := range s.linkRates {
				if v, ok := s.value(r.series, r.read(&link), last.i); ok {
					ls.rates[r.direction] = v
				}
			}
		}
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
		s.drops.add(sr.field, "missing", 1)
		return 0, false
	case !vals[i].Valid:
		s.drops.add(sr.field, "null", 1)
		return 0, false
	}
	v := sr.conv(vals[i].Value)
	if v < 0 || v > sr.max {
		s.drops.add(sr.field, "implausible", 1)
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
