package collector

import (
	"context"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("license_summary", true, func(_ *config.Account, sh shared) Scraper { return newLicenseSummary(sh.drops) })
}

// licenseSummary exports the account-wide counts of GetLicenseStat.
type licenseSummary struct {
	drops *drops
	count *Family
}

func newLicenseSummary(d *drops) *licenseSummary {
	return &licenseSummary{drops: d, count: gaugeFamily("trro_account_licenses",
		"Account-wide license counts (GetLicenseStat): valid, bound, unbound, expired, and monthly_exceeded (over their monthly usage limit).",
		"state")}
}

func (l *licenseSummary) Name() string        { return "license_summary" }
func (l *licenseSummary) Families() []*Family { return []*Family{l.count} }

func (l *licenseSummary) Demand(plan.Fleet, Sizing) []plan.Demand {
	return []plan.Demand{{Action: trro.ActionGetLicenseStat, Calls: 1}}
}

type licenseSummaryResult struct {
	count *Family
	stat  trro.LicenseStat
}

func (l *licenseSummary) Fetch(ctx context.Context, r *Round) (Result, error) {
	st, err := r.API.GetLicenseStat(ctx)
	if err != nil {
		return licenseSummaryResult{count: l.count}, err
	}
	for _, v := range []struct {
		field string
		v     *trro.Int
	}{{"Valid", &st.Valid}, {"Bound", &st.Bound}, {"UnBound", &st.UnBound}, {"Expire", &st.Expire}, {"MonthlyExpire", &st.MonthlyExpire}} {
		*v.v = l.drops.plausible(v.field, *v.v, notNegative)
	}
	return licenseSummaryResult{l.count, st}, nil
}

func (res licenseSummaryResult) Write(s Sink) {
	st := res.stat
	for _, v := range []struct {
		state string
		v     trro.Int
	}{
		{"valid", st.Valid}, {"bound", st.Bound}, {"unbound", st.UnBound},
		{"expired", st.Expire}, {"monthly_exceeded", st.MonthlyExpire},
	} {
		if v.v.Valid {
			s.Sample(res.count, float64(v.v.Value), v.state)
		}
	}
}
