package backfill

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/trro"
)

// history fetches the account's past from the API in chunks, each once:
// kept in memory while the steps need it, on disk for a resumed run.
type history struct {
	api   collector.API
	cache *cache

	projects memo[[]trro.ProjectInfo]
	buckets  memo[[]trro.SessionIntervalStatistic] // a project's buckets of an interval in one chunk
	sessions memo[[]trro.DeviceSession]            // a project's sessions that ended within a day
	details  memo[sessionDetails]                  // a session's points, every page
	usage    memo[trro.TotalDuration]

	usageStep int64
	// byID are the sessions listed so far, for the details calls, which
	// name a session by id only.
	byIDMu sync.Mutex
	byID   map[string]trro.DeviceSession

	calls atomic.Int64 // API requests made (a list's pages and retries each count)
	gone  atomic.Int64 // sessions whose details the API no longer keeps
}

// sessionDetails are a session's pages of points, in time order; gone when
// the API no longer keeps them.
type sessionDetails struct {
	Pages [][]trro.SessionDeviceDetail
	Gone  bool
}

const day = 24 * 3600

// bucketChunk is how much of an interval one statistics call asks for.
var bucketChunk = map[string]int64{"hour": day, "day": 32 * day, "month": 400 * day}

// cached answers key from the disk cache, or calls the API and stores the
// answer.
func cached[T any](h *history, key string, call func() (T, error)) (T, error) {
	var v T
	if h.cache.load(key, &v) {
		return v, nil
	}
	v, err := call()
	if err != nil {
		return v, err
	}
	return v, h.cache.store(key, v)
}

// keyed puts the time a chunk stops being needed first in its key, for
// eviction.
func keyed(until int64, parts ...any) string {
	return fmt.Sprint(append([]any{until}, parts...)...)
}

func (h *history) projectList(ctx context.Context) ([]trro.ProjectInfo, error) {
	return h.projects.get("projects", func() ([]trro.ProjectInfo, error) {
		return cached(h, "projects", func() ([]trro.ProjectInfo, error) {
			p, truncated, err := h.api.DescribeProjectList(ctx)
			if err == nil && truncated {
				err = errors.New("DescribeProjectList: the project list is longer than max_pages")
			}
			return p, err
		})
	})
}

// bucketsIn are a project's buckets of an interval starting within
// [start, end].
func (h *history) bucketsIn(ctx context.Context, pid, iv string, start, end int64) ([]trro.SessionIntervalStatistic, error) {
	size := bucketChunk[iv]
	var out []trro.SessionIntervalStatistic
	seen := map[int64]bool{}
	for c := floorTo(start, size); c <= end; c += size {
		key := keyed(c+size, " buckets ", pid, " ", iv, " ", c)
		chunk, err := h.buckets.get(key, func() ([]trro.SessionIntervalStatistic, error) {
			return cached(h, key, func() ([]trro.SessionIntervalStatistic, error) {
				return h.api.DescribeSessionStatisticsByInterval(ctx, pid, iv, c, c+size-1)
			})
		})
		if err != nil {
			return nil, err
		}
		for _, b := range chunk {
			if b.StartTime.Valid && b.StartTime.Value >= start && b.StartTime.Value <= end && !seen[b.StartTime.Value] {
				seen[b.StartTime.Value] = true
				out = append(out, b)
			}
		}
	}
	return out, nil
}

// endedIn are a project's sessions that ended within [start, end].
func (h *history) endedIn(ctx context.Context, pid string, start, end int64) ([]trro.DeviceSession, error) {
	var out []trro.DeviceSession
	seen := map[trro.Text]bool{}
	for c := floorTo(start, day); c <= end; c += day {
		list, err := h.sessionsOfDay(ctx, pid, c)
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			if e := s.EndTime.Value; s.EndTime.Valid && e >= start && e <= end && !seen[s.SessionID] {
				seen[s.SessionID] = true
				out = append(out, s)
			}
		}
	}
	h.byIDMu.Lock()
	defer h.byIDMu.Unlock()
	if h.byID == nil {
		h.byID = map[string]trro.DeviceSession{}
	}
	for _, s := range out {
		h.byID[string(s.SessionID)] = s
	}
	return out, nil
}

func (h *history) sessionByID(id string) (trro.DeviceSession, bool) {
	h.byIDMu.Lock()
	defer h.byIDMu.Unlock()
	s, ok := h.byID[id]
	return s, ok
}

func (h *history) sessionsOfDay(ctx context.Context, pid string, c int64) ([]trro.DeviceSession, error) {
	key := keyed(c+day, " sessions ", pid, " ", c)
	return h.sessions.get(key, func() ([]trro.DeviceSession, error) {
		return cached(h, key, func() ([]trro.DeviceSession, error) {
			list, truncated, err := h.api.DescribeDeviceSessionList(ctx, pid, c, c+day-1)
			if err == nil && truncated {
				err = fmt.Errorf("DescribeDeviceSessionList: project %s has more sessions on one day than max_pages pages", pid)
			}
			return list, err
		})
	})
}

// detailsOf are every page of a session's points, asked from its start
// until a page brings nothing new or reaches its end. Each page is cached
// as it comes: an interrupted run asks none of them again.
func (h *history) detailsOf(ctx context.Context, s trro.DeviceSession) (sessionDetails, error) {
	sid := string(s.SessionID)
	return h.details.get(keyed(s.EndTime.Value, " details ", sid), func() (sessionDetails, error) {
		d, err := h.fetchDetails(ctx, sid, s.StartTime.Value, s.EndTime.Value)
		if err == nil && d.Gone {
			h.gone.Add(1)
		}
		return d, err
	})
}

// detailsPage is one answer of a session's details, or the API's word that
// it no longer keeps them.
type detailsPage struct {
	Details []trro.SessionDeviceDetail
	Gone    bool
}

func (h *history) fetchDetails(ctx context.Context, sid string, start, end int64) (sessionDetails, error) {
	var out sessionDetails
	from := start
	for page := 0; page < 10000; page++ {
		key := fmt.Sprint("details ", sid, " ", from)
		p, err := cached(h, key, func() (detailsPage, error) {
			d, err := h.api.DescribeDeviceSessionDetails(ctx, sid, from, end)
			var te *trro.Error
			if errors.As(err, &te) && strings.HasPrefix(te.Code, "ResourceNotFound") {
				return detailsPage{Gone: true}, nil
			}
			return detailsPage{Details: d}, err
		})
		if err != nil {
			return out, err
		}
		if p.Gone {
			break
		}
		last := from - 1
		for _, dev := range p.Details {
			for _, off := range dev.TimeOffset {
				if t := dev.StartTime.Value + int64(off.Value); dev.StartTime.Valid && off.Valid && t > last {
					last = t
				}
			}
		}
		if last < from { // nothing new
			break
		}
		out.Pages = append(out.Pages, p.Details)
		if last >= end {
			break
		}
		from = last + 1
	}
	out.Gone = len(out.Pages) == 0
	return out, nil
}

// usageOf is a project's usage within [start, end], end taken down to the
// usage step (one call per project and step: usage changes slowly, and a
// call per sample would cost hours of the rate limit over weeks).
func (h *history) usageOf(ctx context.Context, pid string, start, end int64) (trro.TotalDuration, error) {
	end = max(floorTo(end, h.usageStep), start)
	key := keyed(end+h.usageStep+31*day, " usage ", pid, " ", start, " ", end)
	return h.usage.get(key, func() (trro.TotalDuration, error) {
		return cached(h, key, func() (trro.TotalDuration, error) {
			return h.api.GetTotalDuration(ctx, pid, start, end)
		})
	})
}

// evict forgets what no step from t on needs: chunks that ended more than
// keep before t, sessions' points detailsKeep after the session ended.
func (h *history) evict(t, keep, detailsKeep int64) {
	endedBefore := func(before int64) func(string) bool {
		return func(key string) bool {
			var until int64
			fmt.Sscan(key, &until)
			return until < before
		}
	}
	old := endedBefore(t - keep)
	h.buckets.evict(old)
	h.sessions.evict(old)
	h.details.evict(endedBefore(t - detailsKeep))
	h.usage.evict(old)
	h.byIDMu.Lock()
	defer h.byIDMu.Unlock()
	for id, s := range h.byID {
		if s.EndTime.Value < t-keep {
			delete(h.byID, id)
		}
	}
}

func floorTo(t, size int64) int64 {
	if t >= 0 {
		return t / size * size
	}
	return (t - size + 1) / size * size
}
