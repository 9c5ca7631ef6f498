package collector

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerSettings("licenses", LicensesSettings{MaxLicenses: 20000})
	registerCollector("licenses", true, func(a *config.Account, sh shared) Scraper {
		return newLicenses(SettingsOf[LicensesSettings](a).MaxLicenses, sh)
	})
}

// LicensesSettings are the licenses collector's keys.
type LicensesSettings struct {
	// MaxLicenses is the collector's cardinality guard.
	MaxLicenses int `yaml:"max_licenses"`
}

// Validate checks the guard.
func (s *LicensesSettings) Validate() error {
	if s.MaxLicenses < 1 {
		return errors.New("max_licenses: must be at least 1")
	}
	return nil
}

// licenseStatuses are the label values of the API's Status codes, the code
// being the index; every one is always exported so that a count dropping
// to zero is visible. Any other code is unknown, exported when seen.
var licenseStatuses = []string{"unbound", "bound", "suspended", "refunded"}

const unknownStatus = "unknown"

// statusName is a Status code's label value.
func statusName(s trro.Int) string {
	if s.Valid && s.Value >= 0 && s.Value < int64(len(licenseStatuses)) {
		return licenseStatuses[s.Value]
	}
	return unknownStatus
}

// licenseGroups is the GetLicenses list, as sizing counts it.
var licenseGroups = plan.List{Action: trro.ActionGetLicenses, Items: "license groups"}

type licenses struct {
	drops                    *drops
	count, expiry, remaining *Family
	// max is the cardinality guard: at most this many license ids get
	// series of their own; warned logs it once.
	max    int
	logger log.Logger
	warned sync.Once
}

func newLicenses(max int, sh shared) *licenses {
	return &licenses{
		drops:  sh.drops,
		max:    max,
		logger: sh.logger,
		count: gaugeFamily("trro_licenses",
			"Licenses by status (sum of Count over GetLicenses groups): unbound, bound, suspended, refunded, unknown.",
			"status"),
		expiry: gaugeFamily("trro_license_expiry_timestamp_seconds",
			"Expiry time of a license as a Unix timestamp (GetLicenses ExpireTime).",
			"license_id", "status"),
		remaining: gaugeFamily("trro_license_remaining_seconds",
			"Time a license has left as reported by the API (RemainDay × 86400).",
			"license_id", "status"),
	}
}

func (l *licenses) Name() string        { return "licenses" }
func (l *licenses) Families() []*Family { return []*Family{l.count, l.expiry, l.remaining} }

func (l *licenses) Demand(f plan.Fleet, s Sizing) []plan.Demand {
	return []plan.Demand{{Action: licenseGroups.Action, Calls: plan.SumPages(f.Sizes(licenseGroups), s.PageSize, 0)}}
}

type licenseEntry struct {
	id, status        string
	expiry, remaining trro.Int
}

type licensesResult struct {
	l         *licenses
	ok        bool               // GetLicenses answered
	counts    map[string]float64 // by status label
	entries   []licenseEntry     // in the order the API listed them
	truncated bool               // cut short at max_pages or max_licenses
}

func (res *licensesResult) Truncated() bool { return res.truncated }

func (l *licenses) Fetch(ctx context.Context, r *Round) (Result, error) {
	res := &licensesResult{l: l, counts: map[string]float64{}}
	groups, truncated, err := r.API.GetLicenses(ctx)
	if err != nil {
		return res, err
	}
	res.ok, res.truncated = true, truncated
	byID := map[string]int{} // index in entries
	seenGroup := map[string]bool{}
	for _, g := range groups {
		// Pages can shift while we read them; a group seen twice counts once.
		key := groupKey(g)
		if seenGroup[key] {
			continue
		}
		seenGroup[key] = true
		status := statusName(g.Status)
		ids := slices.DeleteFunc(slices.Clone(g.LicenseIDs), func(s trro.Text) bool { return s == "" })
		// A missing or implausible count counts the ids listed.
		if count := l.drops.plausible("Count", g.Count, notNegative); count.Valid {
			res.counts[status] += float64(count.Value)
		} else {
			res.counts[status] += float64(len(ids))
		}
		expiry := l.drops.plausible("ExpireTime", positive(g.ExpireTime), plausibleTime)
		e := licenseEntry{status: status, expiry: expiry, remaining: l.drops.plausible("RemainDay", g.RemainDay, notNegative)}
		for _, t := range ids {
			id := string(t)
			e.id = id
			i, ok := byID[id]
			switch {
			case !ok && len(res.entries) >= l.max:
				// Past the guard: counted in trro_licenses, no series.
				res.truncated = true
			case !ok:
				byID[id] = len(res.entries)
				res.entries = append(res.entries, e)
			case expiry.Valid && (!res.entries[i].expiry.Valid || expiry.Value > res.entries[i].expiry.Value):
				// A license listed twice is exported once: the later expiry wins.
				res.entries[i] = e
			}
		}
	}
	if res.truncated {
		l.warned.Do(func() {
			level.Warn(l.logger).Log("msg", "more license ids than max_licenses; exporting the first ones only", "collector", "licenses", "max_licenses", l.max)
		})
	}
	return res, nil
}

func (res *licensesResult) Write(s Sink) {
	if !res.ok {
		return
	}
	for _, st := range licenseStatuses {
		s.Sample(res.l.count, res.counts[st], st)
	}
	if n, seen := res.counts[unknownStatus]; seen {
		s.Sample(res.l.count, n, unknownStatus)
	}
	for i := range res.entries {
		if e := &res.entries[i]; e.expiry.Valid {
			s.Sample(res.l.expiry, float64(e.expiry.Value), e.id, e.status)
		}
	}
	for i := range res.entries {
		if e := &res.entries[i]; e.remaining.Valid {
			s.Sample(res.l.remaining, days(e.remaining.Value), e.id, e.status)
		}
	}
}

// groupKey identifies a license group by all it holds: its numbers and
// its ids in any order, each id length-prefixed so that no two lists of ids
// give the same key.
func groupKey(g trro.License) string {
	var b strings.Builder
	for _, v := range []trro.Int{g.Count, g.Status, g.ExpireTime, g.Duration, g.RemainDay} {
		if v.Valid {
			b.WriteString(strconv.FormatInt(v.Value, 10))
		}
		b.WriteByte('|')
	}
	ids := slices.Clone(g.LicenseIDs)
	slices.Sort(ids)
	for _, id := range ids {
		b.WriteString(strconv.Itoa(len(id)))
		b.WriteByte(':')
		b.WriteString(string(id))
	}
	return b.String()
}
