package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trro-exporter/trro_exporter/trro"
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
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	run(func() error { _, _, err := c.GetLicenses(ctx); return err })
	run(func() error { _, err := c.GetLicenseStat(ctx); return err })
	end := now.Unix()
	cst := time.FixedZone("CST", 8*3600)
	n := now.In(cst)
	month := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, cst).Unix()
	var liveMu sync.Mutex
	var live []string
	for _, each := range []func(id string) error{
		func(id string) error {
			_, err := c.DescribeSessionStatisticsByInterval(ctx, id, "hour", now.Add(-3*time.Hour).Unix(), end)
			return err
		},
		func(id string) error { _, _, err := c.GetDevices(ctx, id, perProject); return err },
		func(id string) error { _, _, err := c.DescribeDeviceList(ctx, id, perProject, true); return err },
		func(id string) error {
			list, _, err := c.DescribeRecentSessionList(ctx, id, now.Add(-2*time.Hour).Unix(), end)
			liveMu.Lock()
			defer liveMu.Unlock()
			for _, s := range list {
				if s.LatestUpdateTime.Value >= now.Add(-2*time.Minute).Unix() {
					live = append(live, string(s.SessionID))
				}
			}
			return err
		},
		func(id string) error { _, err := c.GetTotalDuration(ctx, id, month, end); return err },
	} {
		var next atomic.Int64
		for range min(len(projects), projectWorkers) {
			run(func() error {
				var errs []error
				for i := int(next.Add(1) - 1); i < len(projects); i = int(next.Add(1) - 1) {
					errs = append(errs, each(string(projects[i].ProjectID)))
				}
				return errors.Join(errs...)
			})
		}
	}
	wg.Wait()
	var next atomic.Int64
	for range min(len(live), projectWorkers) {
		run(func() error {
			var errs []error
			for i := int(next.Add(1) - 1); i < len(live); i = int(next.Add(1) - 1) {
				st.mu.Lock()
				from, ok := st.cursors[live[i]]
				st.mu.Unlock()
				if !ok {
					from = now.Add(-5 * time.Minute).Unix()
				}
				_, err := c.DescribeDeviceSessionDetails(ctx, live[i], from, end)
				st.mu.Lock()
				st.cursors[live[i]] = end + 1
				st.mu.Unlock()
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
