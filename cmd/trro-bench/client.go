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
func fetchAll(ctx context.Context, c *trro.Client, perProject int, now time.Time) error {
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
	// Action by action, as the collectors start them: the order changes
	// how calls interleave on the connections, and with it the CPU.
	for _, each := range []func(id string) error{
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
	} {
		for _, p := range projects {
			run(func() error { return each(p.ProjectID) })
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}
