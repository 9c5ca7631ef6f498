package collector

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("usage", true, func(_ *config.Account, sh shared) Scraper { return newUsage(sh.drops) })
}

// usageField is one of GetTotalDuration's minute counts: its label value,
// the API field, and where it is.
type usageField struct {
	label, api string
	field      func(*trro.TotalDuration) *trro.Count
}

// usageTiers are GetTotalDuration's media time by tier (voice, then video
// by resolution, on one network and on several).
var usageTiers = []usageField{
	{"voice", "Voice", func(d *trro.TotalDuration) *trro.Count { return &d.Voice }},
	{"sd", "SD", func(d *trro.TotalDuration) *trro.Count { return &d.SD }},
	{"hd", "HD", func(d *trro.TotalDuration) *trro.Count { return &d.HD }},
	{"fhd", "FHD", func(d *trro.TotalDuration) *trro.Count { return &d.FHD }},
	{"2k", "TwoK", func(d *trro.TotalDuration) *trro.Count { return &d.TwoK }},
	{"4k", "FourK", func(d *trro.TotalDuration) *trro.Count { return &d.FourK }},
	{"multi_sd", "MultiSD", func(d *trro.TotalDuration) *trro.Count { return &d.MultiSD }},
	{"multi_hd", "MultiHD", func(d *trro.TotalDuration) *trro.Count { return &d.MultiHD }},
	{"multi_fhd", "MultiFHD", func(d *trro.TotalDuration) *trro.Count { return &d.MultiFHD }},
	{"multi_2k", "MultiTwoK", func(d *trro.TotalDuration) *trro.Count { return &d.MultiTwoK }},
	{"multi_4k", "MultiFourK", func(d *trro.TotalDuration) *trro.Count { return &d.MultiFourK }},
}

// usageOnline are GetTotalDuration's online time, a measure of its own
// (both devices' time online in session, billed × 1), by network.
var usageOnline = []usageField{
	{"single", "Online", func(d *trro.TotalDuration) *trro.Count { return &d.Online }},
	{"multi", "MultiOnline", func(d *trro.TotalDuration) *trro.Count { return &d.MultiOnline }},
}

// previousRefresh is how often a closed month's usage is read again: it
// hardly changes, and each read costs a call per project.
const previousRefresh = time.Hour

// cst is China Standard Time: the API's statistics count months in it.
var cst = time.FixedZone("CST", 8*3600)

// usage exports the minutes of use the account is billed on
// (GetTotalDuration) per project and tier, for the current month to date
// and the previous month.
type usage struct {
	drops                     *drops
	seconds, online, deducted *Family

	mu       sync.Mutex
	previous map[string]monthUsage // project → the previous month, last read
}

// monthUsage is one project's usage in one month: what GetTotalDuration
// said of it, when.
type monthUsage struct {
	start int64 // the month's first second
	at    time.Time
	d     trro.TotalDuration
}

func newUsage(d *drops) *usage {
	return &usage{
		drops: d,
		seconds: gaugeFamily("trro_usage_seconds",
			"Media time in session by tier: voice, and video by resolution on one network or several (GetTotalDuration minutes × 60), this calendar month to date (month=\"current\") or last month (\"previous\"), months in China Standard Time. Online time is apart, in trro_usage_online_seconds.",
			"project_id", "tier", "month"),
		online: gaugeFamily("trro_usage_online_seconds",
			"Online time of the devices in session, both devices counted (GetTotalDuration Online, MultiOnline minutes × 60), by network (single, multi), by month as trro_usage_seconds. Not video time: do not add it to trro_usage_seconds.",
			"project_id", "network", "month"),
		deducted: gaugeFamily("trro_usage_deducted_seconds",
			"What the account is billed for (GetTotalDuration DeductDuration minutes × 60): base time after the documented multipliers (video × 3, 5, 12, 24, 48 for SD to 4K, online time × 1, all × 1.2 on multi-network), not time of use; by month as trro_usage_seconds.",
			"project_id", "month"),
		previous: map[string]monthUsage{},
	}
}

func (u *usage) Name() string        { return "usage" }
func (u *usage) Families() []*Family { return []*Family{u.seconds, u.online, u.deducted} }

// Demand: a call per project for this month, and one for the previous
// month at most hourly.
func (u *usage) Demand(f plan.Fleet, s Sizing) []plan.Demand {
	return append(discovery(f, s),
		plan.Demand{Action: trro.ActionGetTotalDuration, Calls: f.Projects},
		plan.Demand{Action: trro.ActionGetTotalDuration, Calls: f.Projects, Every: previousRefresh})
}

// months returns the first seconds of now's month and of the month before,
// in China Standard Time.
func months(now time.Time) (current, previous time.Time) {
	n := now.In(cst)
	current = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, cst)
	return current, current.AddDate(0, -1, 0)
}

// usageRow is one project's usage in one month.
type usageRow struct {
	projectID, month string
	d                trro.TotalDuration
}

type usageResult struct {
	seconds, online, deducted *Family
	rows                      []usageRow
}

func (u *usage) Fetch(ctx context.Context, r *Round) (Result, error) {
	cur, prev := months(r.Now)
	_, perProj, err := perProject(ctx, r, func(id string) ([]usageRow, error) {
		var rows []usageRow
		d, err := r.API.GetTotalDuration(ctx, id, cur.Unix(), r.Now.Unix())
		if err != nil {
			return nil, fmt.Errorf("current month: %w", err)
		}
		rows = append(rows, usageRow{id, "current", u.plausible(d)})
		p, err := u.previousMonth(ctx, r, id, prev, cur)
		if err != nil {
			return rows, fmt.Errorf("previous month: %w", err)
		}
		return append(rows, usageRow{id, "previous", u.plausible(p)}), nil
	})
	res := usageResult{seconds: u.seconds, online: u.online, deducted: u.deducted}
	for _, rows := range perProj {
		res.rows = append(res.rows, rows...)
	}
	return res, err
}

// previousMonth is a project's usage in the month [start, end), read again
// at most every previousRefresh.
func (u *usage) previousMonth(ctx context.Context, r *Round, id string, start, end time.Time) (trro.TotalDuration, error) {
	u.mu.Lock()
	last, ok := u.previous[id]
	u.mu.Unlock()
	if ok && last.start == start.Unix() && r.Now.Sub(last.at) < previousRefresh {
		return last.d, nil
	}
	d, err := r.API.GetTotalDuration(ctx, id, start.Unix(), end.Unix()-1)
	if err != nil {
		return d, err
	}
	u.mu.Lock()
	u.previous[id] = monthUsage{start: start.Unix(), at: r.Now, d: d}
	u.mu.Unlock()
	return d, nil
}

// usageDeducted is DeductDuration, beside the tiers and online time.
var usageDeducted = usageField{"", "DeductDuration", func(d *trro.TotalDuration) *trro.Count { return &d.DeductDuration }}

// maxMinutes is the most minutes a project's usage plausibly holds: a
// thousand years.
const maxMinutes = 1000 * 366 * 24 * 60

// plausible drops values that are no whole number of minutes (counted as
// unparseable), negative or beyond maxMinutes; the rest are kept.
func (u *usage) plausible(d trro.TotalDuration) trro.TotalDuration {
	for _, t := range append(append(slices.Clone(usageTiers), usageOnline...), usageDeducted) {
		c := t.field(&d)
		if c.Bad {
			u.drops.add(t.api, "unparseable", 1)
			*c = trro.Count{}
			continue
		}
		c.Int = u.drops.plausible(t.api, c.Int, func(v int64) string {
			if v > maxMinutes {
				return "implausible"
			}
			return notNegative(v)
		})
	}
	return d
}

func (res usageResult) Write(s Sink) {
	for _, f := range []struct {
		fam    *Family
		fields []usageField
	}{{res.seconds, usageTiers}, {res.online, usageOnline}} {
		for i := range res.rows {
			row := &res.rows[i]
			for _, t := range f.fields {
				if v := t.field(&row.d).Int; v.Valid {
					s.Sample(f.fam, minutes(v.Value), row.projectID, t.label, row.month)
				}
			}
		}
	}
	for i := range res.rows {
		if row := &res.rows[i]; row.d.DeductDuration.Valid {
			s.Sample(res.deducted, minutes(row.d.DeductDuration.Value), row.projectID, row.month)
		}
	}
}
