package backfill

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/trro"
)

// Budget is what a run costs in API calls, per action.
type Budget struct {
	Calls    map[string]int64
	Sessions int64 // sessions whose details are read
}

// detailPointsPerCall is the points one DescribeDeviceSessionDetails
// answer is assumed to hold (the stand-in's cap; the API documents none):
// a long session takes a call per that many seconds.
const detailPointsPerCall = 600

// bucketLookback is how far before a step the sessions collector reads an
// interval's buckets (its lookback: the current and previous bucket).
var bucketLookback = map[string]int64{"hour": 3 * 3600, "day": 3 * day, "month": 93 * day}

func (b *Budget) add(o Budget) {
	if b.Calls == nil {
		b.Calls = map[string]int64{}
	}
	for k, v := range o.Calls {
		b.Calls[k] += v
	}
	b.Sessions += o.Sessions
}

// Total is the calls of every action.
func (b Budget) Total() int64 {
	var n int64
	for _, v := range b.Calls {
		n += v
	}
	return n
}

// Seconds is the least time the calls take at rate per second per action:
// actions have limits of their own and run side by side, so the busiest
// one sets the pace.
func (b Budget) Seconds(rate float64) float64 {
	var most int64
	for _, v := range b.Calls {
		most = max(most, v)
	}
	return float64(most) / rate
}

func (b Budget) print(w io.Writer, rate float64) {
	fmt.Fprintf(w, "backfill budget: %d API calls, at least %s at %g calls/s per action (%d sessions' details):\n",
		b.Total(), (time.Duration(b.Seconds(rate)) * time.Second).Round(time.Second), rate, b.Sessions)
	for _, a := range slices.Sorted(maps.Keys(b.Calls)) {
		fmt.Fprintf(w, "  %-36s %8d calls  %8.0f s\n", a, b.Calls[a], float64(b.Calls[a])/rate)
	}
}

// size reads what sizing needs (the project list and the session lists of
// the range, which the replay reads again from the cache) and counts the
// calls the replay will make.
func (ar *accountRun) size(ctx context.Context) (Budget, error) {
	b := Budget{Calls: map[string]int64{}}
	pids, err := ar.projectIDs(ctx)
	if err != nil {
		return b, err
	}
	b.Calls[trro.ActionDescribeProjectList] = 1
	from, to := ar.o.From.Unix(), ar.o.To.Unix()
	enabled := map[string]bool{}
	for _, n := range collector.Enabled(&ar.acc) {
		enabled[n] = true
	}
	for _, pid := range pids {
		if enabled["sessions"] {
			for _, iv := range collector.SettingsOf[collector.SessionsSettings](&ar.acc).StatisticIntervals {
				size := bucketChunk[iv]
				b.Calls[trro.ActionDescribeSessionStatisticsByInterval] += (floorTo(to, size)-floorTo(from-bucketLookback[iv], size))/size + 1
			}
		}
		if enabled["usage"] {
			b.Calls[trro.ActionGetTotalDuration] += ar.usageCalls()
		}
		if !enabled["recent_sessions"] && !enabled["session_quality"] && !enabled["session_details"] {
			continue
		}
		// The session lists, a call per day from a day before (the quality
		// look-back) to a day after (sessions running at the end).
		for c := floorTo(from-day, day); c <= to+day; c += day {
			// A day may take several pages (none when a resumed run has
			// it cached): the calls sizing made are the list's cost.
			before := ar.h.calls.Load()
			list, err := ar.h.sessionsOfDay(ctx, pid, c)
			if err != nil {
				return b, err
			}
			b.Calls[trro.ActionDescribeDeviceSessionList] += ar.h.calls.Load() - before
			if !enabled["session_details"] {
				continue
			}
			for _, s := range list {
				if s.EndTime.Value >= from && s.StartTime.Value <= to {
					b.Sessions++
					first := max(s.StartTime.Value, from-300)
					b.Calls[trro.ActionDescribeDeviceSessionDetails] += (s.EndTime.Value-first)/detailPointsPerCall + 1
				}
			}
			ar.h.sessions.evict(func(string) bool { return true })
		}
	}
	return b, nil
}

// usageCalls are the distinct usage questions of one project over the
// steps: the month to date at each usage step, and each previous month.
func (ar *accountRun) usageCalls() int64 {
	asked := map[[2]int64]bool{}
	step, us := int64(ar.o.Step.Seconds()), int64(ar.o.UsageStep.Seconds())
	for t := ar.o.From.Unix(); t <= ar.o.To.Unix(); t += step {
		cur, prev := collector.UsageMonths(time.Unix(t, 0))
		asked[[2]int64{cur.Unix(), max(floorTo(t, us), cur.Unix())}] = true
		asked[[2]int64{prev.Unix(), max(floorTo(cur.Unix()-1, us), prev.Unix())}] = true
	}
	return int64(len(asked))
}

// projectIDs are the account's projects as its rounds select them: the
// configured ones, or those discovered whose names pass the filters.
func (ar *accountRun) projectIDs(ctx context.Context) ([]string, error) {
	if len(ar.acc.Projects) > 0 {
		return ar.acc.Projects, nil
	}
	list, err := ar.h.projectList(ctx)
	if err != nil {
		return nil, err
	}
	f := ar.acc.Filters()
	var out []string
	for _, p := range list {
		if f.KeepProject(string(p.ProjectName)) {
			out = append(out, string(p.ProjectID))
		}
	}
	return out, nil
}
