package plan

import (
	"context"
	"sync"
	"time"

	"github.com/trro-exporter/trro_exporter/trro"
	"golang.org/x/sync/errgroup"
)

// Counter is the part of the TRRO client sizing needs.
type Counter interface {
	Total(ctx context.Context, action, projectID string, start, end int64) (int, error)
	DescribeProjectList(ctx context.Context) ([]trro.ProjectInfo, bool, error)
}

// Progress is told how sizing goes: the stage, and the calls done of all.
type Progress func(stage string, done, total int)

// Size measures a fleet with one small call per list: the configured
// projects (or all of them that keep, if set, keeps by name), their devices
// and sessions (live ones: updated within activeWindow), and the licenses.
// progress, if set, is told of each call.
func Size(ctx context.Context, c Counter, projects []string, keep func(name string) bool, qualityLookback, activeWindow time.Duration, now time.Time, progress Progress) (Fleet, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	if len(projects) == 0 {
		progress("listing projects", 0, 1)
		list, _, err := c.DescribeProjectList(ctx)
		if err != nil {
			return Fleet{}, err
		}
		for _, p := range list {
			if keep == nil || keep(string(p.ProjectName)) {
				projects = append(projects, string(p.ProjectID))
			}
		}
		progress("listing projects", 1, 1)
	}
	total, done := 1+4*len(projects), 0
	progress("counting devices, sessions and licenses", 0, total)
	f := Fleet{Projects: len(projects), Devices: make([]int, len(projects)), RecentSessions: make([]int, len(projects)),
		LiveSessions: make([]int, len(projects)), QualitySessions: make([]int, len(projects))}
	var mu sync.Mutex
	var g errgroup.Group
	count := func(dst *int, action, pid string, start, end int64) {
		g.Go(func() error {
			n, err := c.Total(ctx, action, pid, start, end)
			mu.Lock()
			defer mu.Unlock()
			done++
			progress("counting devices, sessions and licenses", done, total)
			*dst = n
			return err
		})
	}
	t := now.Unix()
	count(&f.LicenseGroups, trro.ActionGetLicenses, "", 0, 0)
	for i, pid := range projects {
		count(&f.Devices[i], trro.ActionGetDevices, pid, 0, 0)
		count(&f.RecentSessions[i], trro.ActionDescribeRecentSessionList, pid, t-7200, t)
		count(&f.LiveSessions[i], trro.ActionDescribeRecentSessionList, pid, now.Add(-activeWindow).Unix(), t)
		count(&f.QualitySessions[i], trro.ActionDescribeDeviceSessionList, pid, now.Add(-qualityLookback).Unix(), t)
	}
	return f, g.Wait()
}
