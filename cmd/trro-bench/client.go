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

// fetchAll makes the API calls of one scrape of the default collectors
// with the client alone, building no metrics: what the HTTP client,
// signing, rate limiting and decoding cost by themselves. The calls go out
// as the collectors send them: every action at once, each over the
// projects in order, projectWorkers at a time.
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
		var next atomic.Int64
		for range min(len(projects), projectWorkers) {
			run(func() error {
				var errs []error
				for i := int(next.Add(1) - 1); i < len(projects); i = int(next.Add(1) - 1) {
					errs = append(errs, each(projects[i].ProjectID))
				}
				return errors.Join(errs...)
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}
