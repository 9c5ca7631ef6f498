package collector

import (
	"context"
	"slices"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("projects", true, func(*config.Account, shared) Scraper { return newProjects() })
}

type projects struct{ info *Family }

func newProjects() *projects {
	return &projects{info: gaugeFamily("trro_project_info",
		"TRRO project metadata from DescribeProjectList; the value is always 1.",
		"project_id", "project_name", "policy_mode")}
}

func (p *projects) Name() string        { return "projects" }
func (p *projects) Families() []*Family { return []*Family{p.info} }

// Demand: the project list, shared with the collectors that discover
// projects with it.
func (p *projects) Demand(f plan.Fleet, s Sizing) []plan.Demand {
	return []plan.Demand{{Action: trro.ActionDescribeProjectList, Calls: plan.Pages(f.Projects, s.PageSize), Shared: true}}
}

type projectsResult struct {
	info      *Family
	list      []trro.ProjectInfo
	truncated bool
}

func (res projectsResult) Truncated() bool { return res.truncated }

func (p *projects) Fetch(ctx context.Context, r *Round) (Result, error) {
	res := projectsResult{info: p.info}
	list, truncated, err := r.Projects(ctx)
	if err != nil {
		return res, err
	}
	res.truncated = truncated
	for _, pr := range list {
		if len(r.projectIDs) == 0 || slices.Contains(r.projectIDs, projectID(&pr)) {
			res.list = append(res.list, pr)
		}
	}
	return res, nil
}

func (res projectsResult) Write(s Sink) {
	for _, pr := range res.list {
		s.Sample(res.info, 1, string(pr.ProjectID), string(pr.ProjectName), string(pr.PolicyMode))
	}
}
