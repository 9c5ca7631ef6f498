package collector

import (
	"context"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

func init() {
	registerCollector("projects", true, func(Settings) Scraper { return newProjects() })
}

type projects struct{ info *prometheus.Desc }

func newProjects() *projects {
	return &projects{info: prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "project", "info"),
		"TRRO project metadata from DescribeProjectList; the value is always 1.",
		[]string{"project_id", "project_name", "policy_mode"}, nil)}
}

func (p *projects) Name() string                        { return "projects" }
func (p *projects) Describe(ch chan<- *prometheus.Desc) { ch <- p.info }

func (p *projects) Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error {
	list, err := r.Projects(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, pr := range list {
		if pr.ProjectID == "" || seen[pr.ProjectID] {
			continue
		}
		if len(r.projectIDs) > 0 && !slices.Contains(r.projectIDs, pr.ProjectID) {
			continue
		}
		seen[pr.ProjectID] = true
		ch <- prometheus.MustNewConstMetric(p.info, prometheus.GaugeValue, 1, pr.ProjectID, pr.ProjectName, pr.PolicyMode)
	}
	return nil
}
