package plan

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/trro-exporter/trro_exporter/trro"
	"golang.org/x/sync/errgroup"
)

// Counter is the part of the TRRO client sizing needs.
type Counter interface {
	Total(ctx context.Context, action string, q trro.ListQuery) (int, error)
	DescribeProjectList(ctx context.Context) ([]trro.ProjectInfo, bool, error)
}

// Progress is told how sizing goes: the stage, and the calls done of all.
type Progress func(stage string, done, total int)

// Size measures a fleet with one small call per list: the configured
// projects (or all of them that keep, if set, keeps by name), then each of
// lists, per project where it is per project. progress, if set, is told of
// each call.
func Size(ctx context.Context, c Counter, projects []string, keep func(name string) bool, lists []List, now time.Time, progress Progress) (Fleet, error) {
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
	f := Fleet{Projects: len(projects), sizes: map[List][]int{}}
	total, done := 0, 0
	for _, l := range lists {
		f.sizes[l] = make([]int, len(f.Sizes(l)))
		total += len(f.sizes[l])
	}
	const stage = "counting devices, sessions and licenses"
	progress(stage, 0, total)
	var mu sync.Mutex
	var g errgroup.Group
	for _, l := range lists {
		var start, end int64
		if l.Window > 0 {
			start, end = now.Add(-l.Window).Unix(), now.Unix()
		}
		for i := range f.sizes[l] {
			pid := ""
			if l.PerProject {
				pid = projects[i]
			}
			g.Go(func() error {
				n, err := c.Total(ctx, l.Action, trro.ListQuery{ProjectID: pid, Start: start, End: end, Unregistered: l.Unregistered})
				mu.Lock()
				defer mu.Unlock()
				done++
				progress(stage, done, total)
				f.sizes[l][i] = n
				return err
			})
		}
	}
	return f, g.Wait()
}

// Describe says what f holds, for people: the projects, then each list's
// items in the order given.
func (f Fleet) Describe(lists []List) string {
	parts := []string{fmt.Sprintf("%d projects", f.Projects)}
	for _, l := range lists {
		parts = append(parts, fmt.Sprintf("%d %s", Sum(f.Sizes(l)), l.Items))
	}
	return strings.Join(parts, ", ")
}
