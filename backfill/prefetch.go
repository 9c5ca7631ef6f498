package backfill

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/trro-exporter/trro_exporter/trro"
)

// A session's pages follow one another (each starts after the last point
// of the one before), so a run that reads a session only when a step
// reaches it goes at one round trip at a time, well under its rate limit.
// The prefetcher reads the sessions about to start while the steps before
// them are replayed.
const (
	prefetchWorkers = 4                   // sessions read at once
	prefetchAhead   = 4 * prefetchWorkers // sessions read and not started yet, at most: the points held ahead
	prefetchWindow  = 3600                // seconds: how far ahead a session may start
)

// prefetcher reads what the collector will ask for, through the same memo
// entry (a read in flight is waited for, not repeated). A failure is
// dropped here: the collector meets it again and reports it.
type prefetcher struct {
	ar      *accountRun
	slots   chan struct{}
	started map[string]trro.DeviceSession
	wg      sync.WaitGroup
}

func newPrefetcher(ar *accountRun) *prefetcher {
	return &prefetcher{ar: ar, slots: make(chan struct{}, prefetchWorkers), started: map[string]trro.DeviceSession{}}
}

// at starts reading the sessions of the range that start after t and by
// t+prefetchWindow, soonest first, as long as fewer than prefetchAhead are
// read and not started. It waits while every worker is busy.
func (p *prefetcher) at(ctx context.Context, t int64) {
	ahead := 0
	for id, s := range p.started {
		switch {
		case s.EndTime.Value < floorTo(t, day): // in no list read from here on
			delete(p.started, id)
		case s.StartTime.Value > t:
			ahead++
		}
	}
	if ahead >= prefetchAhead {
		return
	}
	pids, err := p.ar.projectIDs(ctx)
	if err != nil {
		return
	}
	from, to := p.ar.o.From.Unix(), p.ar.o.To.Unix()
	var next []trro.DeviceSession
	for _, pid := range pids {
		// A session that starts by then ends in this day's chunk or later.
		for c := floorTo(t, day); c <= floorTo(t+prefetchWindow, day)+day; c += day {
			list, err := p.ar.h.sessionsOfDay(ctx, pid, c)
			if err != nil {
				return
			}
			for _, s := range list {
				st := s.StartTime.Value
				if _, ok := p.started[string(s.SessionID)]; !ok && st > t && st <= t+prefetchWindow && st <= to && s.EndTime.Value >= from {
					next = append(next, s)
				}
			}
		}
	}
	slices.SortFunc(next, func(a, b trro.DeviceSession) int {
		return cmp.Or(cmp.Compare(a.StartTime.Value, b.StartTime.Value), cmp.Compare(a.SessionID, b.SessionID))
	})
	for _, s := range next[:min(len(next), prefetchAhead-ahead)] {
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		p.started[string(s.SessionID)] = s
		p.wg.Go(func() {
			defer func() { <-p.slots }()
			p.ar.h.detailsOf(ctx, s)
		})
	}
}

// wait waits for the reads in flight.
func (p *prefetcher) wait() { p.wg.Wait() }
