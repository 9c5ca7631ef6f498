package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/trro-exporter/trro_exporter/trro"
)

// fetchAll makes the API calls of one scrape of the default collectors
// with the client alone, building no metrics: what the HTTP client,
// signing, rate limiting and decoding cost by themselves.
//
// byProject issues them project by project (all four per-project actions of
// a project, then the next) instead of action by action as the collectors
// do, to compare what the order costs.
func fetchAll(ctx context.Context, c *trro.Client, perProject int, now time.Time, byProject bool) error {
	projects, err := c.DescribeProjectList(ctx)
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
	run(func() error { _, err := c.GetLicenses(ctx); return err })
	run(func() error { _, err := c.GetLicenseStat(ctx); return err })
	end := now.Unix()
	actions := []func(id string) error{
		func(id string) error {
			_, err := c.DescribeSessionStatisticsByInterval(ctx, id, "hour", now.Add(-3*time.Hour).Unix(), end)
			return err
		},
		func(id string) error { _, _, err := c.GetDevices(ctx, id, perProject); return err },
		func(id string) error { _, _, err := c.DescribeDeviceList(ctx, id, perProject); return err },
		func(id string) error {
			_, err := c.DescribeRecentSessionList(ctx, id, now.Add(-2*time.Hour).Unix(), end)
			return err
		},
	}
	if byProject {
		for _, p := range projects {
			for _, each := range actions {
				run(func() error { return each(p.ProjectID) })
			}
		}
	} else {
		// Action by action, as the collectors start them.
		for _, each := range actions {
			for _, p := range projects {
				run(func() error { return each(p.ProjectID) })
			}
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}
