package collector_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestMinIntervalAndMaxAge(t *testing.T) {
	clock := &fakeClock{t: now}
	e := newEnv(t, fixtureFleet(), envOpts{
		collectors: []string{"licenses", "license_summary"},
		clock:      clock.now,
		freshness:  map[string]config.CollectorSettings{"licenses": {MinInterval: config.Duration(10 * time.Minute), MaxAge: config.Duration(30 * time.Minute)}},
	})
	lastSuccess := func(body, c string) string {
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, fmt.Sprintf(`trro_scrape_collector_last_success_timestamp_seconds{collector=%q} `, c)) {
				return strings.Fields(l)[1]
			}
		}
		return ""
	}
	_, body := e.scrape(t, "")
	first := lastSuccess(body, "licenses")
	if first == "" || e.srv.Calls("GetLicenses") != 1 {
		t.Fatalf("first scrape: %d calls, last success %q", e.srv.Calls("GetLicenses"), first)
	}

	// Within min_interval: answered from the last fetch, no API call; a
	// collector without min_interval still calls the API.
	clock.add(5 * time.Minute)
	e.srv.SetFleet(&standin.Fleet{Projects: fixtureFleet().Projects}) // the API would now say 0
	_, body = e.scrape(t, "")
	if n := e.srv.Calls("GetLicenses"); n != 1 {
		t.Errorf("GetLicenses called %d times within min_interval", n)
	}
	if n := e.srv.Calls("GetLicenseStat"); n != 2 {
		t.Errorf("GetLicenseStat called %d times, want every scrape", n)
	}
	for _, want := range []string{`trro_licenses{status="bound"} 2`, `trro_scrape_collector_success{collector="licenses"} 1`,
		`trro_scrape_collector_duration_seconds{collector="licenses"} 0`, "trro_up 1"} {
		if !hasLine(body, want) {
			t.Errorf("cached scrape lacks %s", want)
		}
	}
	if got := lastSuccess(body, "licenses"); got != first {
		t.Errorf("last success moved from %s to %s without a fetch", first, got)
	}

	// Past min_interval the API is called again and its answer served.
	clock.add(6 * time.Minute)
	_, body = e.scrape(t, "")
	if n := e.srv.Calls("GetLicenses"); n != 2 || !hasLine(body, `trro_licenses{status="bound"} 0`) {
		t.Errorf("refresh: %d calls\n%s", n, body)
	}
	refreshed := lastSuccess(body, "licenses")
	if refreshed == first {
		t.Error("last success did not move on refresh")
	}

	// A failed refresh within max_age serves the last good result with
	// success 0; past max_age the data is dropped.
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultError, Code: "InternalError"})
	clock.add(15 * time.Minute) // 15m after the last success: refresh due, within max_age
	_, body = e.scrape(t, "")
	if !hasLine(body, `trro_licenses{status="bound"} 0`) || !hasLine(body, `trro_scrape_collector_success{collector="licenses"} 0`) ||
		lastSuccess(body, "licenses") != refreshed {
		t.Errorf("failed refresh within max_age:\n%s", body)
	}
	clock.add(20 * time.Minute) // 35m: past max_age
	_, body = e.scrape(t, "")
	if strings.Contains(body, "trro_licenses{") {
		t.Errorf("data older than max_age still served:\n%s", body)
	}
	if lastSuccess(body, "licenses") != refreshed {
		t.Error("the last success timestamp must stay to tell how old the data is")
	}
}

func TestUpKeptWhenEveryCollectorIsCached(t *testing.T) {
	clock := &fakeClock{t: now}
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}, clock: clock.now,
		freshness: map[string]config.CollectorSettings{"licenses": {MinInterval: config.Duration(time.Hour), MaxAge: config.Duration(time.Hour)}}})
	e.scrape(t, "")
	clock.add(time.Minute)
	_, body := e.scrape(t, "")
	if e.srv.Calls("") != 1 || !hasLine(body, "trro_up 1") {
		t.Fatalf("%d calls; a round with no call must keep trro_up:\n%s", e.srv.Calls(""), body)
	}
}
