package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("license_summary", true, func(Settings) Scraper { return newLicenseSummary() })
}

// licenseSummary exports the account-wide counts of GetLicenseStat.
type licenseSummary struct{ count *prometheus.Desc }

func newLicenseSummary() *licenseSummary {
	return &licenseSummary{count: prometheus.NewDesc(prometheus.BuildFQName(namespace, "account", "licenses"),
		"Account-wide license counts (GetLicenseStat): valid, bound, unbound, expired, and monthly_exceeded (over their monthly usage limit).",
		[]string{"state"}, nil)}
}

func (l *licenseSummary) Name() string                        { return "license_summary" }
func (l *licenseSummary) Describe(ch chan<- *prometheus.Desc) { ch <- l.count }

func (l *licenseSummary) Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error {
	st, err := r.API.GetLicenseStat(ctx)
	if err != nil {
		return err
	}
	for _, s := range []struct {
		state string
		v     trro.Int
	}{
		{"valid", st.Valid}, {"bound", st.Bound}, {"unbound", st.UnBound},
		{"expired", st.Expire}, {"monthly_exceeded", st.MonthlyExpire},
	} {
		if s.v.Valid {
			ch <- prometheus.MustNewConstMetric(l.count, prometheus.GaugeValue, float64(s.v.Value), s.state)
		}
	}
	return nil
}
