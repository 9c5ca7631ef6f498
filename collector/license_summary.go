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

// licenseStates are GetLicenseStat's counts: the state label, and the
// field it exports.
var licenseStates = []struct {
	state, api string
	field      func(*trro.LicenseStat) *trro.Int
}{
	{"valid", "Valid", func(s *trro.LicenseStat) *trro.Int { return &s.Valid }},
	{"bound", "Bound", func(s *trro.LicenseStat) *trro.Int { return &s.Bound }},
	{"unbound", "UnBound", func(s *trro.LicenseStat) *trro.Int { return &s.UnBound }},
	{"expired", "Expire", func(s *trro.LicenseStat) *trro.Int { return &s.Expire }},
	{"monthly_exceeded", "MonthlyExpire", func(s *trro.LicenseStat) *trro.Int { return &s.MonthlyExpire }},
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
	for _, s := range licenseStates {
		v := s.field(&st)
		*v = l.drops.plausible(s.api, *v, notNegative)
	}
	return licenseSummaryResult{l.count, st}, nil
}

func (res licenseSummaryResult) Write(sink Sink) {
	for _, s := range licenseStates {
		if v := s.field(&res.stat); v.Valid {
			sink.Sample(res.count, float64(v.Value), s.state)
		}
	}
}
