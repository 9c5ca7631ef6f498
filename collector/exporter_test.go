package collector_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const wantFixture = `
# HELP trro_active_field_devices Active field (on-site) devices in the statistics bucket.
# TYPE trro_active_field_devices gauge
trro_active_field_devices{interval="day",project_id="proj0000000000aa",window="current"} 3
trro_active_field_devices{interval="day",project_id="proj0000000000aa",window="previous"} 5
trro_active_field_devices{interval="hour",project_id="proj0000000000aa",window="current"} 0
trro_active_field_devices{interval="hour",project_id="proj0000000000aa",window="previous"} 2
trro_active_field_devices{interval="hour",project_id="proj0000000000bb",window="current"} 1
# HELP trro_active_remote_devices Active remote (operator) devices in the statistics bucket.
# TYPE trro_active_remote_devices gauge
trro_active_remote_devices{interval="day",project_id="proj0000000000aa",window="current"} 2
trro_active_remote_devices{interval="day",project_id="proj0000000000aa",window="previous"} 3
trro_active_remote_devices{interval="hour",project_id="proj0000000000aa",window="current"} 0
trro_active_remote_devices{interval="hour",project_id="proj0000000000aa",window="previous"} 1
trro_active_remote_devices{interval="hour",project_id="proj0000000000bb",window="current"} 0
# HELP trro_license_expiry_timestamp_seconds Expiry time of a license as a Unix timestamp (GetLicenses ExpireTime).
# TYPE trro_license_expiry_timestamp_seconds gauge
trro_license_expiry_timestamp_seconds{license_id="lic-a",status="bound"} 1.8e+09
trro_license_expiry_timestamp_seconds{license_id="lic-b",status="bound"} 1.8e+09
trro_license_expiry_timestamp_seconds{license_id="lic-c",status="unbound"} 1.79e+09
trro_license_expiry_timestamp_seconds{license_id="lic-d",status="suspended"} 1.795e+09
trro_license_expiry_timestamp_seconds{license_id="lic-e",status="unknown"} 1.796e+09
# HELP trro_license_remaining_seconds Time a license has left as reported by the API (RemainDay × 86400).
# TYPE trro_license_remaining_seconds gauge
trro_license_remaining_seconds{license_id="lic-a",status="bound"} 2.592e+06
trro_license_remaining_seconds{license_id="lic-b",status="bound"} 2.592e+06
trro_license_remaining_seconds{license_id="lic-c",status="unbound"} 864000
trro_license_remaining_seconds{license_id="lic-d",status="suspended"} 259200
trro_license_remaining_seconds{license_id="lic-e",status="unknown"} 432000
# HELP trro_licenses Licenses by status (sum of Count over GetLicenses groups): unbound, bound, suspended, refunded, unknown.
# TYPE trro_licenses gauge
trro_licenses{status="bound"} 2
trro_licenses{status="refunded"} 0
trro_licenses{status="suspended"} 1
trro_licenses{status="unbound"} 2
trro_licenses{status="unknown"} 1
# HELP trro_project_info TRRO project metadata from DescribeProjectList; the value is always 1.
# TYPE trro_project_info gauge
trro_project_info{policy_mode="black",project_id="proj0000000000bb",project_name="Harbour cranes"} 1
trro_project_info{policy_mode="white",project_id="proj0000000000aa",project_name="露天矿远程挖掘"} 1
# HELP trro_session_duration_seconds Total session time in the statistics bucket (TotalDuration minutes × 60).
# TYPE trro_session_duration_seconds gauge
trro_session_duration_seconds{interval="day",project_id="proj0000000000aa",window="current"} 7500
trro_session_duration_seconds{interval="day",project_id="proj0000000000aa",window="previous"} 36000
trro_session_duration_seconds{interval="hour",project_id="proj0000000000aa",window="current"} 0
trro_session_duration_seconds{interval="hour",project_id="proj0000000000aa",window="previous"} 1800
trro_session_duration_seconds{interval="hour",project_id="proj0000000000bb",window="current"} 1200
# HELP trro_session_interval_start_timestamp_seconds Start of the statistics bucket as a Unix timestamp.
# TYPE trro_session_interval_start_timestamp_seconds gauge
trro_session_interval_start_timestamp_seconds{interval="day",project_id="proj0000000000aa",window="current"} 1.7956224e+09
trro_session_interval_start_timestamp_seconds{interval="day",project_id="proj0000000000aa",window="previous"} 1.795536e+09
trro_session_interval_start_timestamp_seconds{interval="hour",project_id="proj0000000000aa",window="current"} 1.7956872e+09
trro_session_interval_start_timestamp_seconds{interval="hour",project_id="proj0000000000aa",window="previous"} 1.7956836e+09
trro_session_interval_start_timestamp_seconds{interval="hour",project_id="proj0000000000bb",window="current"} 1.7956872e+09
# HELP trro_session_not_bad_ratio Share of good or normal sessions in the bucket, 0 to 1; absent when the bucket had no sessions.
# TYPE trro_session_not_bad_ratio gauge
trro_session_not_bad_ratio{interval="day",project_id="proj0000000000aa",window="current"} 1
trro_session_not_bad_ratio{interval="day",project_id="proj0000000000aa",window="previous"} 0.57
trro_session_not_bad_ratio{interval="hour",project_id="proj0000000000aa",window="previous"} 0.75
trro_session_not_bad_ratio{interval="hour",project_id="proj0000000000bb",window="current"} 0.5
# HELP trro_sessions Sessions in the statistics bucket (SessionNum); window is current or previous.
# TYPE trro_sessions gauge
trro_sessions{interval="day",project_id="proj0000000000aa",window="current"} 12
trro_sessions{interval="day",project_id="proj0000000000aa",window="previous"} 40
trro_sessions{interval="hour",project_id="proj0000000000aa",window="current"} 0
trro_sessions{interval="hour",project_id="proj0000000000aa",window="previous"} 4
trro_sessions{interval="hour",project_id="proj0000000000bb",window="current"} 1
# HELP trro_up 1 if this scrape reached the TRRO API and was authenticated, else 0.
# TYPE trro_up gauge
trro_up 1
`

var fixtureMetrics = []string{
	"trro_active_field_devices", "trro_active_remote_devices", "trro_license_expiry_timestamp_seconds",
	"trro_license_remaining_seconds", "trro_licenses", "trro_project_info",
	"trro_session_duration_seconds", "trro_session_interval_start_timestamp_seconds",
	"trro_session_not_bad_ratio", "trro_sessions", "trro_up",
}

func TestExactValuesForKnownFleet(t *testing.T) {
	for _, mode := range []string{"numbers", "strings"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, fixtureFleet(), envOpts{client: func(o *trro.Options) { o.PageSize = 2 }})
			e.srv.MaxPageSize = 2 // licenses over three pages, the repeat on another page
			e.srv.StringNumbers = mode == "strings"
			if err := testutil.CollectAndCompare(e.exp, strings.NewReader(wantFixture), fixtureMetrics...); err != nil {
				t.Fatal(err)
			}
			if n := e.srv.Calls("GetLicenses"); n != 3 {
				t.Errorf("GetLicenses calls = %d, want 3 pages", n)
			}
		})
	}
}

func TestLint(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{})
	problems, err := testutil.CollectAndLint(e.exp)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestPromtoolCheckMetrics runs the real promtool over a full /metrics page.
// CI installs it (Debian's prometheus package); set PROMTOOL to point elsewhere.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := os.Getenv("PROMTOOL")
	if promtool == "" {
		var err error
		if promtool, err = exec.LookPath("promtool"); err != nil {
			t.Fatal("promtool not found: install Debian's prometheus package or set PROMTOOL")
		}
	}
	e := newEnv(t, standin.Generate(standin.DefaultSpec, now), envOpts{intervals: []string{"hour", "day", "month"}})
	code, body := e.scrape(t, "")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestDiscoveryVersusConfiguredProjects(t *testing.T) {
	t.Run("discover", func(t *testing.T) {
		e := newEnv(t, fixtureFleet(), envOpts{})
		_, body := e.scrape(t, "")
		// One DescribeProjectList shared by the projects and sessions collectors.
		if n := e.srv.Calls("DescribeProjectList"); n != 1 {
			t.Errorf("DescribeProjectList calls = %d, want 1", n)
		}
		if n := e.srv.Calls("DescribeSessionStatisticsByInterval"); n != 4 {
			t.Errorf("statistics calls = %d, want 2 projects × 2 intervals", n)
		}
		if !strings.Contains(body, `project_id="proj0000000000bb"`) {
			t.Error("discovered project missing")
		}
	})
	t.Run("configured", func(t *testing.T) {
		e := newEnv(t, fixtureFleet(), envOpts{projects: []string{"proj0000000000aa"}})
		_, body := e.scrape(t, "")
		if n := e.srv.Calls("DescribeSessionStatisticsByInterval"); n != 2 {
			t.Errorf("statistics calls = %d, want 1 project × 2 intervals", n)
		}
		if strings.Contains(body, "proj0000000000bb") {
			t.Error("unconfigured project exported")
		}
		if !hasLine(body, `trro_project_info{policy_mode="white",project_id="proj0000000000aa",project_name="露天矿远程挖掘"} 1`) {
			t.Error("configured project's info missing")
		}
	})
	t.Run("configured without projects collector", func(t *testing.T) {
		e := newEnv(t, fixtureFleet(), envOpts{projects: []string{"proj0000000000aa"}, collectors: []string{"sessions"}})
		_, body := e.scrape(t, "")
		if n := e.srv.Calls("DescribeProjectList"); n != 0 {
			t.Errorf("DescribeProjectList calls = %d, want 0", n)
		}
		if !hasLine(body, `trro_scrape_collector_success{collector="sessions"} 1`) || strings.Contains(body, `collector="licenses"`) {
			t.Errorf("unexpected collectors:\n%s", body)
		}
	})
}

func TestFaultsFailOnlyTheirCollector(t *testing.T) {
	faults := map[string]standin.Fault{
		"error envelope":   {Kind: standin.FaultError, Code: "InvalidParameter"},
		"internal error":   {Kind: standin.FaultError, Code: "InternalError"},
		"http 502 html":    {Kind: standin.FaultHTTP, Status: 502},
		"invalid json":     {Kind: standin.FaultInvalidJSON},
		"truncated json":   {Kind: standin.FaultTruncated},
		"connection reset": {Kind: standin.FaultReset},
		"oversized body":   {Kind: standin.FaultOversized, Size: 2 << 20},
	}
	// Which collectors fail when an action fails.
	actions := map[string][]string{
		// Every per-project collector needs the discovered project list.
		"DescribeProjectList":                 {"projects", "sessions", "devices", "device_status", "recent_sessions", "session_quality", "usage", "session_details"},
		"DescribeSessionStatisticsByInterval": {"sessions"},
		"GetLicenses":                         {"licenses"},
		"GetDevices":                          {"devices"},
		"DescribeDeviceList":                  {"device_status"},
		"DescribeRecentSessionList":           {"recent_sessions", "session_details"},
		"DescribeDeviceSessionList":           {"session_quality"},
		"GetLicenseStat":                      {"license_summary"},
		"GetTotalDuration":                    {"usage"},
		"DescribeDeviceSessionDetails":        {"session_details"},
	}
	for fname, fault := range faults {
		for action, failing := range actions {
			t.Run(fname+"/"+action, func(t *testing.T) {
				e := newEnv(t, fixtureFleet(), envOpts{client: func(o *trro.Options) { o.MaxBodyBytes = 1 << 20 }})
				e.srv.SetFault(action, &fault)
				code, body := e.scrape(t, "")
				if code != 200 {
					t.Fatalf("status %d", code)
				}
				for _, c := range collector.Names() {
					want := 1
					for _, f := range failing {
						if f == c {
							want = 0
						}
					}
					if line := fmt.Sprintf(`trro_scrape_collector_success{collector=%q} %d`, c, want); !hasLine(body, line) {
						t.Errorf("missing %s", line)
					}
				}
				if !hasLine(body, "trro_up 1") {
					t.Error("other actions answered, trro_up should be 1")
				}
				// The healthy collectors still export.
				if action != "GetLicenses" && !hasLine(body, `trro_licenses{status="bound"} 2`) {
					t.Error("licenses missing")
				}
				if action != "DescribeProjectList" && !strings.Contains(body, "trro_project_info{") {
					t.Error("projects missing")
				}
				if action != "DescribeProjectList" && action != "DescribeDeviceList" && !strings.Contains(body, "trro_device_info{") {
					t.Error("device_status missing")
				}
				logs := e.logs.String()
				if !strings.Contains(logs, "action="+action) || !strings.Contains(logs, `msg="collector failed"`) {
					t.Errorf("failure not logged with its action:\n%s", logs)
				}
				if strings.Contains(logs, "<html") || strings.Contains(body, "<html") {
					t.Error("upstream body leaked")
				}
				if strings.Contains(logs+body, testKey) {
					t.Error("secret leaked")
				}
			})
		}
	}
}

func TestErrorLoggedOnceWithCodeAndRequestID(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}})
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultError, Code: "ResourceNotFound", Message: "nope"})
	e.scrape(t, "")
	logs := strings.TrimSpace(e.logs.String())
	lines := strings.Split(logs, "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got:\n%s", logs)
	}
	for _, want := range []string{"level=error", "collector=licenses", "action=GetLicenses", "code=ResourceNotFound", "request_id="} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line lacks %q: %s", want, lines[0])
		}
	}
}

func TestNullsAreNotValues(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{})
	e.srv.SetFault("DescribeSessionStatisticsByInterval", &standin.Fault{Kind: standin.FaultNulls})
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultNulls})
	_, body := e.scrape(t, "")
	for _, absent := range []string{"trro_sessions{", "trro_session_not_bad_ratio{", "trro_license_expiry_timestamp_seconds{"} {
		if strings.Contains(body, absent) {
			t.Errorf("%s exported from null fields", absent)
		}
	}
	// Null Status is "unknown"; null Count and LicenseIds count nothing.
	for _, want := range []string{`trro_licenses{status="unknown"} 0`, `trro_licenses{status="bound"} 0`, `trro_scrape_collector_success{collector="licenses"} 1`, `trro_scrape_collector_success{collector="sessions"} 1`} {
		if !hasLine(body, want) {
			t.Errorf("missing %s\n%s", want, body)
		}
	}
}

func TestWrongSecretMeansDown(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{key: "not-the-right-key"})
	code, body := e.scrape(t, "")
	if code != 200 || !hasLine(body, "trro_up 0") {
		t.Fatalf("status %d, body:\n%s", code, body)
	}
	for _, c := range collector.Names() {
		if !hasLine(body, fmt.Sprintf(`trro_scrape_collector_success{collector=%q} 0`, c)) {
			t.Errorf("%s should have failed", c)
		}
	}
	if !strings.Contains(body, `trro_api_requests_total{action="GetLicenses",code="AuthFailure.SignatureFailure"} 1`) {
		t.Error("auth failure not counted")
	}
	if strings.Contains(e.logs.String(), "not-the-right-key") || strings.Contains(e.logs.String(), testKey) {
		t.Error("secret in logs")
	}
}

func TestNetworkDownMeansDown(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{})
	for _, a := range []string{"DescribeProjectList", "GetLicenses", "GetLicenseStat"} {
		e.srv.SetFault(a, &standin.Fault{Kind: standin.FaultReset})
	}
	_, body := e.scrape(t, "")
	if !hasLine(body, "trro_up 0") {
		t.Fatal("no API answer, trro_up should be 0")
	}
}

func TestDeadlineShorterThanSlowAPI(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{})
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultSlow, Delay: 20 * time.Second})
	start := time.Now()
	code, body := e.scrape(t, "1") // Prometheus gives 1s; offset 200ms
	elapsed := time.Since(start)
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	// Not before the deadline; and long before the 20s answer (the upper
	// bound leaves a busy machine room).
	if elapsed < 700*time.Millisecond || elapsed > 10*time.Second {
		t.Errorf("answered after %v, want about 0.8s", elapsed)
	}
	if !hasLine(body, `trro_scrape_collector_success{collector="licenses"} 0`) || !hasLine(body, `trro_scrape_collector_success{collector="sessions"} 1`) {
		t.Errorf("unexpected success gauges:\n%s", body)
	}
	if !strings.Contains(body, `trro_api_requests_total{action="GetLicenses",code="Timeout"} 1`) {
		t.Error("timeout not counted")
	}
}

func TestClientHangUpCancelsUpstreamCalls(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}})
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultSlow, Delay: 20 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest("GET", "/metrics", nil).WithContext(ctx)
	done := make(chan struct{})
	go func() {
		e.handler.ServeHTTP(httptest.NewRecorder(), req)
		close(done)
	}()
	// Leave once the upstream call is in flight.
	waitFor(t, "the upstream call", func() bool { return e.srv.InFlight() == 1 })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("handler still running after the client left")
	}
	// The upstream request itself was canceled.
	waitFor(t, "a canceled call", func() bool { return strings.Contains(scrapeAPIMetrics(t, e), `code="Canceled"`) })
}

// waitFor polls cond until it holds, for up to 20s: tests wait for states,
// not for times a busy machine may not keep.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// hold makes the stand-in keep every request in flight until the returned
// release is called (or the test ends).
func hold(t *testing.T, srv *standin.Server) (release func()) {
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	srv.OnRequest(func(ctx context.Context, _ string) {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	})
	t.Cleanup(release)
	return release
}

func scrapeAPIMetrics(t *testing.T, e *env) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(e.api)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				fmt.Fprintf(&b, "%s=%q ", l.GetName(), l.GetValue())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestConcurrentScrapesShareOneRound(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{})
	// Two rounds first: the second reads last month's usage from the first.
	e.scrape(t, "")
	e.srv.ResetStats()
	e.scrape(t, "")
	round := e.srv.Calls("")
	e.srv.ResetStats()
	release := hold(t, e.srv)
	var wg sync.WaitGroup
	bodies := make([]string, 4)
	for i := range bodies {
		wg.Go(func() { _, bodies[i] = e.scrape(t, "") })
	}
	// All four wait on one round before the API answers anything.
	waitFor(t, "four scrapes in one round", func() bool { return collector.Waiters(e.exp) == 4 })
	release()
	wg.Wait()
	// The calls of one round: 1 project list, 2 projects × (2 intervals +
	// 4 per-project lists + this month's usage), 1 license page, 1 license
	// stat, and the series of the 2 live sessions.
	if round != 19 {
		t.Fatalf("a round made %d calls, want 19", round)
	}
	if n := e.srv.Calls(""); n != round {
		t.Errorf("4 concurrent scrapes made %d API calls, want %d (one round)", n, round)
	}
	for i, b := range bodies {
		if !hasLine(b, `trro_licenses{status="bound"} 2`) || !hasLine(b, "trro_up 1") {
			t.Errorf("scrape %d incomplete:\n%s", i, b)
		}
	}
	// A later scrape starts a new round.
	e.scrape(t, "")
	if n := e.srv.Calls(""); n != 2*round {
		t.Errorf("API calls after a later scrape = %d, want %d", n, 2*round)
	}
}

// reservations records when the client's rate limiter let each call go.
type reservations struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (r *reservations) record(action string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.times == nil {
		r.times = map[string][]time.Time{}
	}
	r.times[action] = append(r.times[action], at)
}

// minGap is the shortest time between two calls of action the limiter
// allowed, in the order it allowed them.
func (r *reservations) minGap(action string) (time.Duration, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := slices.Clone(r.times[action])
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	gap := time.Duration(math.MaxInt64)
	for i := 1; i < len(ts); i++ {
		gap = min(gap, ts[i].Sub(ts[i-1]))
	}
	return gap, len(ts)
}

// The limiter's own decisions are checked, not arrival times at the
// server, which a busy scheduler can bunch up.
func TestRateLimitHoldsUnderScrapeBurst(t *testing.T) {
	var res reservations
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}, client: func(o *trro.Options) {
		o.RateLimit = 20
		o.PageSize = 1
		o.Reserved = res.record
	}})
	e.srv.MaxPageSize = 1 // four pages per scrape
	// Three scrapers in a loop: some rounds overlap and coalesce, others
	// follow each other back to back.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 3 {
				e.scrape(t, "")
			}
		})
	}
	wg.Wait()
	gap, n := res.minGap("GetLicenses")
	if n < 12 || n != e.srv.Calls("GetLicenses") {
		t.Fatalf("%d reservations, %d calls", n, e.srv.Calls("GetLicenses"))
	}
	if gap < 50*time.Millisecond-time.Millisecond {
		t.Fatalf("two calls only %v apart at 20/s", gap)
	}
}

func TestScrapeTimeout(t *testing.T) {
	h := func(v string) http.Header {
		hh := http.Header{}
		if v != "" {
			hh.Set("X-Prometheus-Scrape-Timeout-Seconds", v)
		}
		return hh
	}
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"", 30 * time.Second},
		{"10", 9500 * time.Millisecond},
		{"120", 30 * time.Second},
		{"0.4", 400 * time.Millisecond},
		{"garbage", 30 * time.Second},
		{"-3", 30 * time.Second},
	}
	for _, c := range cases {
		if got := collector.ScrapeTimeout(h(c.header), 500*time.Millisecond, 30*time.Second); got != c.want {
			t.Errorf("header %q: %v, want %v", c.header, got, c.want)
		}
	}
}
