package collector_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/trro"
	"github.com/trro-exporter/trro_exporter/standin"
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
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}, client: func(o *trro.Options) { o.MaxRetries = 3; o.RateLimit = 20 }})
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
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("scrape took %v, beyond the 3s scrape timeout", el)
	}
	if n := e.srv.Calls("GetLicenses"); n != 4 {
		t.Errorf("%d attempts, want 1 + 3 retries", n)
	}
	times := e.srv.CallTimes("GetLicenses")
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 45*time.Millisecond {
			t.Errorf("retry %d only %v after the previous call (20/s rate limit)", i, gap)
		}
	}
	if !hasLine(body, `trro_scrape_collector_success{collector="licenses"} 0`) || !hasLine(body, "trro_up 1") {
		t.Errorf("throttled scrape:\n%s", body)
	}
}

func TestMaxRequestsInFlight(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}})
	e.srv.Latency = 300 * time.Millisecond
	h := collector.Handler(func() *collector.Exporter { return e.exp }, prometheus.NewRegistry(), collector.HandlerOptions{MaxRequestsInFlight: 1})
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			codes[i] = rec.Code
		}()
		time.Sleep(50 * time.Millisecond)
	}
	wg.Wait()
	if codes[0] != http.StatusOK || codes[1] != http.StatusServiceUnavailable {
		t.Fatalf("codes = %v, want [200 503]", codes)
	}
}
