package collector

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("licenses", true, func(Settings) Scraper { return newLicenses() })
}

// licenseStatuses maps the API's Status codes to label values; every one is
// always exported so that a count dropping to zero is visible.
var licenseStatuses = []string{"unbound", "bound", "suspended", "refunded"}

func statusName(s trro.Int) string {
	if s.Valid && s.Value >= 0 && int(s.Value) < len(licenseStatuses) {
		return licenseStatuses[s.Value]
	}
	return "unknown"
}

type licenses struct {
	count, expiry, remaining *prometheus.Desc
}

func newLicenses() *licenses {
	return &licenses{
		count: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "licenses"),
			"Licenses by status (sum of Count over GetLicenses groups): unbound, bound, suspended, refunded, unknown.",
			[]string{"status"}, nil),
		expiry: prometheus.NewDesc(prometheus.BuildFQName(namespace, "license", "expiry_timestamp_seconds"),
			"Expiry time of a license as a Unix timestamp (GetLicenses ExpireTime).",
			[]string{"license_id", "status"}, nil),
		remaining: prometheus.NewDesc(prometheus.BuildFQName(namespace, "license", "remaining_seconds"),
			"Time a license has left as reported by the API (RemainDay × 86400).",
			[]string{"license_id", "status"}, nil),
	}
}

func (l *licenses) Name() string { return "licenses" }

func (l *licenses) Describe(ch chan<- *prometheus.Desc) {
	ch <- l.count
	ch <- l.expiry
	ch <- l.remaining
}

type licenseEntry struct {
	status            string
	expiry, remaining trro.Int
}

func (l *licenses) Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error {
	groups, err := r.API.GetLicenses(ctx)
	if err != nil {
		return err
	}
	counts := map[string]float64{}
	for _, s := range licenseStatuses {
		counts[s] = 0
	}
	byID := map[string]licenseEntry{}
	seenGroup := map[string]bool{}
	for _, g := range groups {
		// Pages can shift while we read them; a group seen twice counts once.
		key := groupKey(g)
		if seenGroup[key] {
			continue
		}
		seenGroup[key] = true
		status := statusName(g.Status)
		ids := slices.DeleteFunc(slices.Clone(g.LicenseIDs), func(s string) bool { return s == "" })
		if g.Count.Valid {
			counts[status] += float64(g.Count.Value)
		} else {
			counts[status] += float64(len(ids))
		}
		expiry := positive(g.ExpireTime)
		for _, id := range ids {
			old, ok := byID[id]
			// A license listed twice is exported once: the later expiry wins.
			if !ok || (expiry.Valid && (!old.expiry.Valid || expiry.Value > old.expiry.Value)) {
				byID[id] = licenseEntry{status: status, expiry: expiry, remaining: g.RemainDay}
			}
		}
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(l.count, prometheus.GaugeValue, n, status)
	}
	for id, e := range byID {
		if e.expiry.Valid {
			ch <- prometheus.MustNewConstMetric(l.expiry, prometheus.GaugeValue, float64(e.expiry.Value), id, e.status)
		}
		if e.remaining.Valid {
			ch <- prometheus.MustNewConstMetric(l.remaining, prometheus.GaugeValue, float64(e.remaining.Value)*86400, id, e.status)
		}
	}
	return nil
}

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
	b.WriteString(strings.Join(ids, ","))
	return b.String()
}
