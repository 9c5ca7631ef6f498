package collector

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// detailRow is a device's state at the end of a round, copied.
type detailRow struct {
	key deviceKey
	st  deviceState
}

type linkRow struct {
	key linkKey
	st  linkState
}

// drive is who drives what: a field device, the remote device driving it,
// the resolution, and when the latest such live session started.
type drive struct {
	project, field, remote, resolution string
	start                              int64
}

type sessionDetailsResult struct {
	s         *sessionDetails
	devices   []detailRow
	links     []linkRow
	drives    []drive
	truncated bool
}

func (r *sessionDetailsResult) Truncated() bool { return r.truncated }

// snapshot copies the device states for this round's page, dropping those
// without a session for longer than the retention, and beyond
// max_session_devices the least recently in session (truncated then);
// gauges only for devices in a live session now.
func (s *sessionDetails) snapshot(now time.Time, live []liveSession, truncated bool) *sessionDetailsResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range s.devices {
		if now.Sub(st.lastSeen) > s.retention {
			delete(s.devices, k)
		}
	}
	if s.evict() {
		truncated = true
	}
	for k, ls := range s.links {
		if _, ok := s.devices[k.dev]; !ok || now.Sub(ls.lastSeen) > s.retention {
			delete(s.links, k)
		}
	}
	res := &sessionDetailsResult{s: s, drives: drives(live), truncated: truncated}
	for k, st := range s.devices {
		c := st.clone()
		c.live = st.live && st.lastSeen.Equal(now)
		res.devices = append(res.devices, detailRow{k, c})
		st.live = false
	}
	for k, ls := range s.links {
		res.links = append(res.links, linkRow{k, linkState{rtt: ls.rtt.clone(), loss: ls.loss.clone(), rates: maps.Clone(ls.rates),
			lastSeen: ls.lastSeen, live: ls.live && ls.lastSeen.Equal(now)}})
		ls.live = false
	}
	slices.SortFunc(res.devices, func(a, b detailRow) int { return compareKeys(a.key, b.key) })
	slices.SortFunc(res.links, func(a, b linkRow) int {
		return cmp.Or(compareKeys(a.key.dev, b.key.dev), strings.Compare(a.key.net, b.key.net))
	})
	return res
}

// evict drops the devices beyond max_session_devices, the least recently
// in session (then the least recent point) first; true if it dropped any.
// Called with s.mu held.
func (s *sessionDetails) evict() bool {
	over := len(s.devices) - s.maxDevices
	if over <= 0 {
		return false
	}
	keys := slices.SortedFunc(maps.Keys(s.devices), func(a, b deviceKey) int {
		x, y := s.devices[a], s.devices[b]
		return cmp.Or(x.lastSeen.Compare(y.lastSeen), cmp.Compare(x.latestAt, y.latestAt), compareKeys(a, b))
	})
	for _, k := range keys[:over] {
		delete(s.devices, k)
	}
	return true
}

func compareKeys(a, b deviceKey) int {
	return cmp.Or(strings.Compare(a.project, b.project), strings.Compare(a.device, b.device), strings.Compare(a.typ, b.typ))
}

// drives is who drives what in the live sessions: one row per pair and
// resolution, the latest start, in label order.
func drives(live []liveSession) []drive {
	latest := map[drive]int64{}
	for _, l := range live {
		if !l.s.StartTime.Valid || plausibleTime(l.s.StartTime.Value) != "" {
			continue
		}
		d := drive{project: l.projectID, field: string(l.s.FieldDeviceID), remote: string(l.s.RemoteDeviceID), resolution: string(l.s.Resolution)}
		latest[d] = max(latest[d], l.s.StartTime.Value)
	}
	out := make([]drive, 0, len(latest))
	for d, start := range latest {
		d.start = start
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b drive) int {
		return cmp.Or(strings.Compare(a.project, b.project), strings.Compare(a.field, b.field),
			strings.Compare(a.remote, b.remote), strings.Compare(a.resolution, b.resolution))
	})
	return out
}

func (res *sessionDetailsResult) Write(sink Sink) {
	s := res.s
	for _, h := range s.hists {
		for _, d := range res.devices {
			hs, ok := d.st.hists[h.field]
			if !ok && h.sparse {
				continue
			}
			if !ok {
				hs = newHistogram(h.fam.buckets)
			}
			sink.Histogram(h.fam, hs.cumulative(), hs.count, hs.sum, append([]string{d.key.project, d.key.device, d.key.typ}, h.extra...)...)
		}
	}
	for _, g := range s.gauges {
		for _, d := range res.devices {
			if v, ok := d.st.latest[g.field]; d.st.live && ok {
				sink.Sample(g.fam, v, d.key.project, d.key.device, d.key.typ)
			}
		}
	}
	for _, d := range res.devices {
		sink.Sample(s.points, float64(d.st.points), d.key.project, d.key.device, d.key.typ)
	}
	for _, c := range s.counters {
		for _, d := range res.devices {
			sink.Sample(c.fam, d.st.sums[c.field], append([]string{d.key.project, d.key.device, d.key.typ}, c.extra...)...)
		}
	}
	for _, l := range res.links {
		sink.Histogram(s.linkRttFam, l.st.rtt.cumulative(), l.st.rtt.count, l.st.rtt.sum, l.key.dev.project, l.key.dev.device, l.key.dev.typ, l.key.net)
	}
	for _, l := range res.links {
		sink.Histogram(s.linkLossFam, l.st.loss.cumulative(), l.st.loss.count, l.st.loss.sum, l.key.dev.project, l.key.dev.device, l.key.dev.typ, l.key.net)
	}
	for _, l := range res.links {
		for _, r := range s.linkRates {
			if v, ok := l.st.rates[r.direction]; l.st.live && ok {
				sink.Sample(s.linkBytes, v, l.key.dev.project, l.key.dev.device, l.key.dev.typ, l.key.net, r.direction)
			}
		}
	}
	for _, d := range res.devices {
		for _, kind := range []string{"sent", "configured"} {
			if v, ok := d.st.pixels[kind]; d.st.live && ok {
				sink.Sample(s.resolution, v, d.key.project, d.key.device, d.key.typ, kind)
			}
		}
	}
	for _, d := range res.devices {
		i := d.st.info
		sink.Sample(s.info, 1, d.key.project, d.key.device, d.key.typ, i.version, i.mode, i.multi)
	}
	for _, d := range res.drives {
		sink.Sample(s.liveStart, float64(d.start), d.project, d.field, d.remote, d.resolution)
	}
}
