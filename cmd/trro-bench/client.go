package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/trro-exporter/trro_exporter/trro"
	"golang.org/x/sync/errgroup"
)

// projectWorkers mirrors the collectors' bound on projects worked on at
// once (collector.projectWorkers).
const projectWorkers = 16

// clientState is what the client alone keeps between rounds, as the
// collectors do: the last point read of each live session.
type clientState struct {
	mu      sync.Mutex
	cursors map[string]int64
}

// fetchAll makes the API calls of one scrape of the default collectors
// with the client alone, building no metrics: what the HTTP client,
// signing, rate limiting and decoding cost by themselves. The calls go out
// as the collectors send them: every action at once, each over the
// projects in order, projectWorkers at a time; then the points of each
// live session since the last round (this month's usage only: the
// exporter reads last month's hourly).
func fetchAll(ctx context.Context, c *trro.Client, perProject int, now time.Time, st *clientState) error {
	projects, _, err := c.DescribeProjectList(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(projects))
	for i, p := range projects {
		ids[i] = string(p.ProjectID)
	}
	var g errgroup.Group
	g.Go(func() error { _, _, err := c.GetLicenses(ctx); return err })
	g.Go(func() error { _, err := c.GetLicenseStat(ctx); return err })
	live := &liveList{}
	for _, each := range perProjectCalls(ctx, c, perProject, now, live) {
		g.Go(func() error { return overAll(ids, each) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return overAll(live.ids, func(id string) error { return st.read(ctx, c, id, now) })
}

// liveList collects the live sessions the recent lists name.
type liveList struct {
	mu  sync.Mutex
	ids []string
}

// perProjectCalls are the calls the default collectors make per project.
func perProjectCalls(ctx context.Context, c *trro.Client, perProject int, now time.Time, live *liveList) []func(id string) error {
	end := now.Unix()
	cst := time.FixedZone("CST", 8*3600)
	n := now.In(cst)
	month := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, cst).Unix()
	return []func(id string) error{
		func(id string) error {
			_, err := c.DescribeSessionStatisticsByInterval(ctx, id, "hour", now.Add(-3*time.Hour).Unix(), end)
			return err
		},
		func(id string) error { _, _, err := c.GetDevices(ctx, id, perProject); return err },
		func(id string) error { _, _, err := c.DescribeDeviceList(ctx, id, perProject, true); return err },
		func(id string) error {
			list, _, err := c.DescribeRecentSessionList(ctx, id, now.Add(-2*time.Hour).Unix(), end)
			live.mu.Lock()
			defer live.mu.Unlock()
			for _, s := range list {
				if s.LatestUpdateTime.Value >= now.Add(-2*time.Minute).Unix() {
					live.ids = append(live.ids, string(s.SessionID))
				}
			}
			return err
		},
		func(id string) error { _, err := c.GetTotalDuration(ctx, id, month, end); return err },
	}
}

// overAll runs each over ids in order, projectWorkers at a time, and joins
// the errors.
func overAll(ids []string, each func(id string) error) error {
	errs := make([]error, len(ids))
	var g errgroup.Group
	g.SetLimit(projectWorkers)
	for i, id := range ids {
		g.Go(func() error { errs[i] = each(id); return nil })
	}
	g.Wait()
	return errors.Join(errs...)
}

// read reads a live session's points since the last round.
func (st *clientState) read(ctx context.Context, c *trro.Client, id string, now time.Time) error {
	st.mu.Lock()
	from, ok := st.cursors[id]
	st.mu.Unlock()
	if !ok {
		from = now.Add(-5 * time.Minute).Unix()
	}
	_, err := c.DescribeDeviceSessionDetails(ctx, id, from, now.Unix())
	st.mu.Lock()
	st.cursors[id] = now.Unix() + 1
	st.mu.Unlock()
	return err
}
