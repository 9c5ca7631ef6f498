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

// licenseStates are GetLicenseStat's counts that partition the account's
// licenses (Valid is Bound + UnBound): the state label, and the field it
// exports.
var licenseStates = []licenseCount{
	{"bound", "Bound", func(s *trro.LicenseStat) *trro.Int { return &s.Bound }},
	{"unbound", "UnBound", func(s *trro.LicenseStat) *trro.Int { return &s.UnBound }},
	{"expired", "Expire", func(s *trro.LicenseStat) *trro.Int { return &s.Expire }},
}

// licenseCount is one count of GetLicenseStat: a label value or family
// suffix, the API field, and where it is.
type licenseCount struct {
	name, api string
	field     func(*trro.LicenseStat) *trro.Int
}

// licenseSummary exports the account-wide counts of GetLicenseStat: the
// states as a partition, and apart from them the valid count (their
// bound and unbound states together) and the licenses over their monthly
// limit (some of the valid ones).
type licenseSummary struct {
	drops                  *drops
	count, valid, exceeded *Family
}

func newLicenseSummary(d *drops) *licenseSummary {
	return &licenseSummary{drops: d,
		count: gaugeFamily("trro_account_licenses",
			"Account-wide license counts by state (GetLicenseStat Bound, UnBound, Expire): the states do not overlap, so their sum is every license.",
			"state"),
		valid: gaugeFamily("trro_account_valid_licenses",
			"Account-wide licenses still valid (GetLicenseStat Valid): the bound and unbound states together."),
		exceeded: gaugeFamily("trro_account_monthly_exceeded_licenses",
			"Account-wide licenses over their monthly usage limit (GetLicenseStat MonthlyExpire): valid licenses, counted in their state too."),
	}
}

func (l *licenseSummary) Name() string        { return "license_summary" }
func (l *licenseSummary) Families() []*Family { return []*Family{l.count, l.valid, l.exceeded} }

func (l *licenseSummary) Demand(plan.Fleet, Sizing) []plan.Demand {
	return []plan.Demand{{Action: trro.ActionGetLicenseStat, Calls: 1}}
}

type licenseSummaryResult struct {
	l    *licenseSummary
	stat trro.LicenseStat
}

// apart are the counts exported as families of their own.
func (l *licenseSummary) apart() []struct {
	fam *Family
	licenseCount
} {
	return []struct {
		fam *Family
		licenseCount
	}{
		{l.valid, licenseCount{"valid", "Valid", func(s *trro.LicenseStat) *trro.Int { return &s.Valid }}},
		{l.exceeded, licenseCount{"monthly_exceeded", "MonthlyExpire", func(s *trro.LicenseStat) *trro.Int { return &s.MonthlyExpire }}},
	}
}

func (l *licenseSummary) Fetch(ctx context.Context, r *Round) (Result, error) {
	st, err := r.API.GetLicenseStat(ctx)
	if err != nil {
		return licenseSummaryResult{l: l}, err
	}
	for _, c := range licenseStates {
		*c.field(&st) = l.drops.plausible(c.api, *c.field(&st), notNegative)
	}
	for _, a := range l.apart() {
		*a.field(&st) = l.drops.plausible(a.api, *a.field(&st), notNegative)
	}
	return licenseSummaryResult{l, st}, nil
}

func (res licenseSummaryResult) Write(sink Sink) {
	for _, c := range licenseStates {
		if v := c.field(&res.stat); v.Valid {
			sink.Sample(res.l.count, float64(v.Value), c.name)
		}
	}
	for _, a := range res.l.apart() {
		if v := a.field(&res.stat); v.Valid {
			sink.Sample(a.fam, float64(v.Value))
		}
	}
}
