package collector_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/standin"
)

func TestUsageExactValues(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"usage"}})
	_, body := e.scrape(t, "")
	// The fixture's sessions of project aa this month: 3000 + 1800 (live)
	// + 600 + 3600 + 1200 + 60 s, all 1920*1080: 171 whole minutes of FHD,
	// 342 of online time (both devices); billed 171 × 12 + 342 × 1 = 2394.
	// Project bb: one live session of 100 s: 1 minute of FHD, 3 online,
	// billed 12 + 3 = 15.
	for _, want := range []string{
		`trro_usage_seconds{month="current",project_id="proj0000000000aa",tier="fhd"} 10260`,
		`trro_usage_seconds{month="current",project_id="proj0000000000aa",tier="hd"} 0`,
		`trro_usage_seconds{month="previous",project_id="proj0000000000aa",tier="fhd"} 0`,
		`trro_usage_seconds{month="current",project_id="proj0000000000bb",tier="fhd"} 60`,
		`trro_usage_seconds{month="current",project_id="proj0000000000bb",tier="multi_sd"} 0`,
		`trro_usage_online_seconds{month="current",network="single",project_id="proj0000000000aa"} 20520`,
		`trro_usage_online_seconds{month="current",network="multi",project_id="proj0000000000bb"} 0`,
		`trro_usage_online_seconds{month="current",network="single",project_id="proj0000000000bb"} 180`,
		`trro_usage_deducted_seconds{month="current",project_id="proj0000000000aa"} 143640`,
		`trro_usage_deducted_seconds{month="current",project_id="proj0000000000bb"} 900`,
		`trro_usage_deducted_seconds{month="previous",project_id="proj0000000000bb"} 0`,
		`trro_scrape_collector_success{collector="usage"} 1`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	// Summing the tiers adds media time only: online time is apart.
	if strings.Contains(body, `tier="online"`) || strings.Contains(body, `tier="multi_online"`) {
		t.Errorf("online time among the tiers:\n%s", grep(body, "trro_usage_seconds"))
	}
}

// Last month is read again at most hourly; this month on every scrape.
func TestUsagePreviousMonthRefreshedHourly(t *testing.T) {
	var offset atomic.Int64
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"usage"}, projects: []string{"proj0000000000aa"},
		clock: func() time.Time { return now.Add(time.Duration(offset.Load())) }})
	for i, c := range []struct {
		after time.Duration
		calls int
	}{{0, 2}, {time.Minute, 3}, {59 * time.Minute, 4}, {61 * time.Minute, 6}, {62 * time.Minute, 7}} {
		offset.Store(int64(c.after))
		if _, body := e.scrape(t, ""); !hasLine(body, `trro_usage_deducted_seconds{month="previous",project_id="proj0000000000aa"} 0`) {
			t.Fatalf("scrape %d: last month missing:\n%s", i, body)
		}
		if n := e.srv.Calls("GetTotalDuration"); n != c.calls {
			t.Errorf("after %v: %d GetTotalDuration calls, want %d", c.after, n, c.calls)
		}
	}
}

func TestUsageMonthsInChinaStandardTime(t *testing.T) {
	for _, c := range []struct{ now, cur, prev string }{
		// 16:30 UTC on 30 November is 00:30 CST on 1 December.
		{"2026-11-30T16:30:00Z", "2026-12-01T00:00:00+08:00", "2026-11-01T00:00:00+08:00"},
		{"2026-11-30T15:59:59Z", "2026-11-01T00:00:00+08:00", "2026-10-01T00:00:00+08:00"},
		{"2027-01-15T00:00:00Z", "2027-01-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00"},
		{"2026-03-31T12:00:00Z", "2026-03-01T00:00:00+08:00", "2026-02-01T00:00:00+08:00"},
	} {
		n, _ := time.Parse(time.RFC3339, c.now)
		cur, prev := collector.Months(n)
		if cur.Format(time.RFC3339) != c.cur || prev.Format(time.RFC3339) != c.prev {
			t.Errorf("%s: %s and %s, want %s and %s", c.now, cur.Format(time.RFC3339), prev.Format(time.RFC3339), c.cur, c.prev)
		}
	}
}

// One usage value that is no whole number of minutes, or beyond any
// plausible figure, is dropped and counted; the project's other values,
// and both months, are kept.
func TestUsageBadValuesDropped(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"usage"}})
	e.srv.SetFault("GetTotalDuration", &standin.Fault{Kind: standin.FaultFields,
		Fields: map[string]string{"HD": "1.5", "SD": `"NaN"`, "FourK": "1e18", "TwoK": "99999999999999", "Voice": "{}"}})
	_, body := e.scrape(t, "")
	for _, want := range []string{
		`trro_scrape_collector_success{collector="usage"} 1`,
		`trro_usage_seconds{month="current",project_id="proj0000000000aa",tier="fhd"} 10260`,
		`trro_usage_seconds{month="previous",project_id="proj0000000000aa",tier="fhd"} 0`,
		`trro_dropped_values_total{field="HD",reason="unparseable"} 4`,
		`trro_dropped_values_total{field="SD",reason="unparseable"} 4`,
		`trro_dropped_values_total{field="FourK",reason="unparseable"} 4`,
		`trro_dropped_values_total{field="Voice",reason="unparseable"} 4`,
		`trro_dropped_values_total{field="TwoK",reason="implausible"} 4`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s\n%s", want, grep(body, "usage|dropped"))
		}
	}
	if strings.Contains(body, `tier="hd"`) || strings.Contains(body, `tier="2k"`) {
		t.Error("a dropped value is exported")
	}
}
