package collector_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

func TestTotalDisagreeingWithItems(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}, client: func(o *trro.Options) { o.PageSize = 2 }})
	e.srv.MaxPageSize = 2
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultTotal, Delta: 1000})
	_, body := e.scrape(t, "")
	// Five groups over three pages, then an empty fourth page ends the list;
	// pages 2 to 9 were asked for at once.
	if !hasLine(body, `trro_scrape_collector_success{collector="licenses"} 1`) || !hasLine(body, `trro_licenses{status="bound"} 2`) {
		t.Fatalf("a total larger than the items broke the list:\n%s", body)
	}
	if n := e.srv.Calls("GetLicenses"); n != 9 {
		t.Errorf("GetLicenses calls = %d, want 9 (page 1 and a window of 8)", n)
	}
}

func TestFailingPageFailsTheWholeList(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{client: func(o *trro.Options) { o.PageSize = 2 }})
	e.srv.MaxPageSize = 2
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultHTTP, Status: 500, Page: 2})
	e.srv.SetFault("GetDevices", &standin.Fault{Kind: standin.FaultTruncated, Page: 2})
	_, body := e.scrape(t, "")
	for _, absent := range []string{"trro_licenses{", "trro_license_expiry_timestamp_seconds{", `trro_device_licenses{device_id="dev-f1"`} {
		if strings.Contains(body, absent) {
			t.Errorf("half a list exported: %s", absent)
		}
	}
	// The other project's devices fit on one page and are exported.
	for _, want := range []string{`trro_scrape_collector_success{collector="licenses"} 0`, `trro_scrape_collector_success{collector="devices"} 0`,
		`trro_device_licenses{device_id="dev-b1",project_id="proj0000000000bb"} 1`} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestRequestLimitExceededBurst(t *testing.T) {
	var res reservations
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}, client: func(o *trro.Options) {
		o.MaxRetries, o.RateLimit, o.Reserved = 3, 20, res.record
	}})
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultError, Code: "RequestLimitExceeded", Times: 2})
	_, body := e.scrape(t, "")
	for _, want := range []string{`trro_scrape_collector_success{collector="licenses"} 1`,
		`trro_api_requests_total{action="GetLicenses",code="RequestLimitExceeded"} 2`, `trro_api_requests_total{action="GetLicenses",code="OK"} 1`} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	// Throttled without end: bounded retries, then the collector fails in time.
	e.srv.ResetStats()
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultError, Code: "RequestLimitExceeded"})
	start := time.Now()
	_, body = e.scrape(t, "3")
	// Bounded retries end long before a scrape timeout many times over.
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("scrape took %v", el)
	}
	if n := e.srv.Calls("GetLicenses"); n != 4 {
		t.Errorf("%d attempts, want 1 + 3 retries", n)
	}
	// Retries wait their turn at the rate limiter like any call.
	if gap, _ := res.minGap("GetLicenses"); gap < 49*time.Millisecond {
		t.Errorf("a retry only %v after the previous call (20/s rate limit)", gap)
	}
	if !hasLine(body, `trro_scrape_collector_success{collector="licenses"} 0`) || !hasLine(body, "trro_up 1") {
		t.Errorf("throttled scrape:\n%s", body)
	}
}

func TestMaxRequestsInFlight(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}})
	release := hold(t, e.srv)
	h := collector.Handler(func() []*collector.Exporter { return []*collector.Exporter{e.exp} }, prometheus.NewRegistry(), collector.HandlerOptions{MaxRequestsInFlight: 1})
	first := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		first <- rec.Code
	}()
	// The first scrape holds the only slot while its API call is held.
	waitFor(t, "the first scrape's API call", func() bool { return e.srv.InFlight() == 1 })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	release()
	if code := <-first; code != http.StatusOK || rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("codes = %d, %d, want 200, 503", code, rec.Code)
	}
}
