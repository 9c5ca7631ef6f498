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
// without a session for longer than the retention; gauges only for devices
// in a live session now.
func (s *sessionDetails) snapshot(now time.Time, live []liveSession, truncated bool) *sessionDetailsResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &sessionDetailsResult{s: s, drives: drives(live), truncated: truncated}
	for k, st := range s.devices {
		if now.Sub(st.lastSeen) > s.retention {
			delete(s.devices, k)
			continue
		}
		c := *st
		c.hists = maps.Clone(st.hists)
		for f, h := range c.hists {
			c.hists[f] = h.clone()
		}
		c.stutter, c.latest = maps.Clone(st.stutter), maps.Clone(st.latest)
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
			if !ok {
				hs = newHistogram(h.fam.buckets)
			}
			sink.Histogram(h.fam, hs.cumulative(), hs.count, hs.sum, d.key.project, d.key.device, d.key.typ)
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
	for _, d := range res.devices {
		for _, sr := range s.stutter {
			sink.Sample(s.stutterSeconds, d.st.stutter[sr.threshold], d.key.project, d.key.device, d.key.typ, sr.threshold)
		}
	}
	for _, l := range res.links {
		sink.Histogram(s.linkRttFam, l.st.rtt.cumulative(), l.st.rtt.count, l.st.rtt.sum, l.key.dev.project, l.key.dev.device, l.key.dev.typ, l.key.net)
	}
	for _, l := range res.links {
		sink.Histogram(s.linkLossFam, l.st.loss.cumulative(), l.st.loss.count, l.st.loss.sum, l.key.dev.project, l.key.dev.device, l.key.dev.typ, l.key.net)
	}
	for _, d := range res.drives {
		sink.Sample(s.liveStart, float64(d.start), d.project, d.field, d.remote, d.resolution)
	}
}
