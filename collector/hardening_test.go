package collector_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
)

// Only GET starts an API round; HEAD answers headers; other methods 405.
func TestMetricsMethods(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{})
	for _, m := range []string{"POST", "DELETE", "TRACE", "FOO", "PUT"} {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, httptest.NewRequest(m, "/metrics", nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d, Allow %q", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, httptest.NewRequest("HEAD", "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("HEAD: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if n := e.srv.Calls(""); n != 0 {
		t.Errorf("%d API calls for requests that are not GET", n)
	}
	if code, _ := e.scrape(t, ""); code != 200 || e.srv.Calls("") == 0 {
		t.Errorf("GET: %d, %d calls", code, e.srv.Calls(""))
	}
}

// An endpoint answering a new error code each time adds no series past a
// bounded set.
func TestErrorCodesAreBounded(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}})
	for i := range 200 {
		code := fmt.Sprintf("Weird%d.Code%d", i, i)
		if i%2 == 0 {
			code = fmt.Sprintf("AuthFailure.Novel%d", i)
		}
		e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultError, Code: code})
		e.scrape(t, "")
	}
	body := scrapeAPIMetrics(t, e)
	codes := map[string]bool{}
	for _, l := range strings.Split(body, "\n") {
		if i := strings.Index(l, `code="`); i >= 0 {
			codes[l[i:]] = true
		}
	}
	if len(codes) > 3 || !strings.Contains(body, `code="AuthFailure.Other"`) || !strings.Contains(body, `code="Other"`) {
		t.Errorf("%d code values after 200 new codes:\n%s", len(codes), body)
	}
}

// Past max_licenses, the first license ids keep their series, all are
// counted, and the collector says it was cut, warning once.
func TestLicenseGuard(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}, account: func(o *config.Account) { collector.SettingsOf[collector.LicensesSettings](o).MaxLicenses = 3 }})
	var body string
	for range 2 {
		_, body = e.scrape(t, "")
	}
	if n := strings.Count(body, "trro_license_expiry_timestamp_seconds{"); n != 3 {
		t.Errorf("%d license series, want 3", n)
	}
	for _, want := range []string{`trro_collector_truncated{collector="licenses"} 1`, `trro_licenses{status="bound"} 2`,
		`trro_licenses{status="unknown"} 1`, `trro_scrape_collector_success{collector="licenses"} 1`} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if n := strings.Count(e.logs.String(), "more license ids than max_licenses"); n != 1 {
		t.Errorf("%d warnings, want 1", n)
	}
}

// Clients that send GET /metrics and never read hold no slot once their
// page is made: with every slot's worth of stalled readers, real scrapes
// are served at once, and the stalled writes are cut off after the grace.
func TestSlowReadersHoldNoSlots(t *testing.T) {
	spec := standin.Spec{Projects: 10, DevicesPerProject: 600, SessionsPerDevice: 1}
	e := newEnv(t, standin.Generate(spec, now), envOpts{collectors: []string{"devices", "device_status"},
		account: func(a *config.Account) { a.ScrapeTimeout = config.Duration(time.Minute) }})
	h := collector.Handler(func() []*collector.Exporter { return []*collector.Exporter{e.exp} }, prometheus.NewRegistry(),
		collector.HandlerOptions{MaxRequestsInFlight: 2, WriteGrace: 2 * time.Second})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	// Two stalled readers: a small receive buffer, nothing read, no gzip:
	// pages of megabytes.
	conns := make([]net.Conn, 2)
	for i := range conns {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.(*net.TCPConn).SetReadBuffer(4096)
		fmt.Fprintf(conn, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Prometheus-Scrape-Timeout-Seconds: 60\r\n\r\n")
		conns[i] = conn
	}
	get := func() int { return statusOf(t, ts.URL+"/metrics", "3") }
	// Once their pages are made (stuck in the socket buffers, to be cut off
	// only after 60 s + the grace were slots held while writing), scrapes
	// are served all the while.
	start := time.Now()
	waitFor(t, "a scrape served beside the stalled readers", func() bool { return get() == http.StatusOK })
	t.Logf("first scrape served after %v", time.Since(start))
	if code := get(); code != http.StatusOK {
		t.Fatalf("a second scrape with two stalled readers: %d", code)
	}
	// The stalled writes end after the grace: reading now finds the page
	// cut short.
	time.Sleep(2500 * time.Millisecond)
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Second))
		n, _ := io.Copy(io.Discard, c)
		if n > 5<<20 {
			t.Errorf("a stalled reader got %d bytes after the grace: its write was not cut off", n)
		}
	}
}

// chunkWriter is a ResponseWriter that keeps the size of its largest write.
type chunkWriter struct {
	h              http.Header
	total, largest int
}

func (c *chunkWriter) Header() http.Header { return c.h }
func (c *chunkWriter) WriteHeader(int)     {}
func (c *chunkWriter) Write(b []byte) (int, error) {
	c.total += len(b)
	c.largest = max(c.largest, len(b))
	return len(b), nil
}

// A page goes out as it is rendered, in small writes: it is never held
// whole in memory (megabytes per scrape, once per concurrent scraper:
// rendering pages into buffers took the scrape bench's peak RSS from 47 to
// 179 MiB).
func TestPageStreamed(t *testing.T) {
	spec := standin.Spec{Projects: 10, DevicesPerProject: 600, SessionsPerDevice: 1}
	e := newEnv(t, standin.Generate(spec, now), envOpts{collectors: []string{"devices", "device_status"}})
	h := collector.Handler(func() []*collector.Exporter { return []*collector.Exporter{e.exp} }, prometheus.NewRegistry(),
		collector.HandlerOptions{MaxRequestsInFlight: 2, WriteGrace: 5 * time.Second})
	for _, gz := range []bool{false, true} {
		w := &chunkWriter{h: http.Header{}}
		r := httptest.NewRequest("GET", "/metrics", nil)
		if gz {
			r.Header.Set("Accept-Encoding", "gzip")
		}
		h.ServeHTTP(w, r)
		if w.total < 4<<20 && !gz || w.total == 0 {
			t.Fatalf("gzip %v: a page of %d bytes; the test wants megabytes", gz, w.total)
		}
		if w.largest > 256<<10 {
			t.Errorf("gzip %v: a write of %d bytes of a %d-byte page: the page was held whole", gz, w.largest, w.total)
		}
	}
}

// /probe slots are per account: an account whose API hangs takes only its
// own, and another account's probes are served.
func TestProbeSlotsPerAccount(t *testing.T) {
	slow := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"projects"}, account: func(a *config.Account) { a.Name = "slow" }})
	fine := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"projects"}, account: func(a *config.Account) { a.Name = "acme" }})
	slow.srv.SetFault("DescribeProjectList", &standin.Fault{Kind: standin.FaultSlow, Delay: 3 * time.Second})
	h := collector.ProbeHandler(func() []*collector.Exporter { return []*collector.Exporter{slow.exp, fine.exp} },
		collector.HandlerOptions{MaxRequestsInFlight: 2, WriteGrace: time.Second})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	probe := func(account, timeout string) int { return statusOf(t, ts.URL+"/probe?account="+account, timeout) }
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { probe("slow", "2.5") })
	}
	t.Cleanup(wg.Wait)
	waitFor(t, "the slow account's probes", func() bool { return slow.srv.Calls("DescribeProjectList") > 0 && collector.Waiters(slow.exp) == 2 })
	if code := probe("slow", "2.5"); code != http.StatusServiceUnavailable {
		t.Errorf("a third probe of the slow account: %d, want 503", code)
	}
	for i := range 3 {
		if code := probe("acme", "2"); code != http.StatusOK {
			t.Errorf("probe %d of another account while the slow one's slots are taken: %d", i, code)
		}
	}
}

// A scrape with a long timeout joins a round in flight and moves its end
// to its own deadline; a short one that joins a long round answers with
// what it finished by its own deadline. Neither is worse off than alone,
// and the two make the calls of one round.
func TestMixedTimeoutScrapers(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{})
	// GetLicenses answers after 1.5 s: longer than the short scrapes wait.
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultSlow, Delay: 1500 * time.Millisecond})
	short := make(chan string)
	go func() { _, body := e.scrape(t, "0.7"); short <- body }()
	waitFor(t, "the short scrape's round", func() bool { return collector.Waiters(e.exp) == 1 })
	// The long scrape joins it, keeps it running past the short scrape's
	// deadline, and gets every collector.
	_, long := e.scrape(t, "4")
	for _, c := range collector.Names() {
		if !hasLine(long, `trro_scrape_collector_success{collector="`+c+`"} 1`) {
			t.Errorf("long scrape: collector %s failed:\n%s", c, grep(long, "collector_success"))
		}
	}
	// The short one answered with what was done by its deadline: all but
	// the licenses.
	body := <-short
	if !hasLine(body, `trro_scrape_collector_success{collector="sessions"} 1`) || !hasLine(body, `trro_scrape_collector_success{collector="licenses"} 0`) {
		t.Errorf("short scrape:\n%s", grep(body, "collector_success"))
	}
	if n := e.srv.Calls("GetLicenses"); n != 1 {
		t.Errorf("GetLicenses calls for the first pair = %d, want one round's 1", n)
	}
	// A short scrape joining a long round answers with what that round
	// finished by its own deadline, not with nothing.
	long2 := make(chan string)
	go func() { _, body := e.scrape(t, "4"); long2 <- body }()
	waitFor(t, "the long round", func() bool { return collector.Waiters(e.exp) == 1 })
	_, body = e.scrape(t, "0.7")
	if !hasLine(body, `trro_scrape_collector_success{collector="sessions"} 1`) || !hasLine(body, "trro_up 1") {
		t.Errorf("short scrape in a long round:\n%s", grep(body, "collector_success|trro_up"))
	}
	<-long2
	if n := e.srv.Calls("GetLicenses"); n != 2 {
		t.Errorf("GetLicenses calls after the second pair = %d, want 2: one round each", n)
	}
}

// A round's end moves to the latest deadline of the scrapes waiting for
// it, never past the configured timeout after it started; it ends early
// when every scrape has left.
func TestRoundEndsAtLatestDeadline(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{account: func(a *config.Account) { a.ScrapeTimeout = config.Duration(2 * time.Second) }})
	// GetLicenses answers after 1.2 s.
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultSlow, Delay: 1200 * time.Millisecond})
	first := make(chan string)
	go func() { _, body := e.scrape(t, "0.5"); first <- body }()
	waitFor(t, "the first scrape's round", func() bool { return collector.Waiters(e.exp) == 1 })
	// A scrape with a longer timeout than the configured 2 s joins: the
	// round runs on to its end, so it sees the licenses.
	_, body := e.scrape(t, "10")
	if !hasLine(body, `trro_scrape_collector_success{collector="licenses"} 1`) {
		t.Errorf("joined scrape:\n%s", grep(body, "collector_success"))
	}
	<-first
	// With GetLicenses slower than the configured timeout, a joining
	// scrape with a long deadline does not extend the round past it.
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultSlow, Delay: 3 * time.Second})
	go func() { _, body := e.scrape(t, "0.5"); first <- body }()
	waitFor(t, "the second round", func() bool { return collector.Waiters(e.exp) == 1 })
	_, body = e.scrape(t, "10")
	<-first
	if !hasLine(body, `trro_scrape_collector_success{collector="licenses"} 0`) || !hasLine(body, `trro_scrape_collector_success{collector="sessions"} 1`) {
		t.Errorf("round past the configured timeout:\n%s", grep(body, "collector_success"))
	}
}

// Logs do not grow with the fleet or the scrape rate: one line per failing
// collector per scrape, with the count and the first error; the same
// failure again is not logged again for a while; a failed discovery is one
// line, not one per collector.
func TestFailureLogsStaySmall(t *testing.T) {
	spec := standin.Spec{Projects: 50, DevicesPerProject: 3, SessionsPerDevice: 1}
	var clock atomic.Int64
	e := newEnv(t, standin.Generate(spec, now), envOpts{collectors: []string{"devices", "sessions"},
		clock: func() time.Time { return now.Add(time.Duration(clock.Load())) }})
	e.srv.SetFault("GetDevices", &standin.Fault{Kind: standin.FaultError, Code: "InternalError"})
	for range 3 {
		e.scrape(t, "")
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "\n"); n != 1 || !strings.Contains(logs, `msg="collector failed" failures=50 collector=devices action=GetDevices code=InternalError`) {
		t.Errorf("50 failing projects over 3 scrapes: %d lines:\n%s", n, logs)
	}
	// Five minutes on, the same failure is logged again, with a count.
	clock.Store(int64(6 * time.Minute))
	e.scrape(t, "")
	if logs := e.logs.String(); strings.Count(logs, "\n") != 2 || !strings.Contains(logs, "repeated_since_last_logged=2") {
		t.Errorf("after 6 minutes:\n%s", logs)
	}
	e.srv.SetFault("GetDevices", nil)
	e.srv.SetFault("DescribeProjectList", &standin.Fault{Kind: standin.FaultError, Code: "InternalError"})
	before := len(e.logs.String())
	e.scrape(t, "")
	logs = e.logs.String()[before:]
	if n := strings.Count(logs, "\n"); n != 1 || !strings.Contains(logs, `msg="project discovery failed"`) ||
		!strings.Contains(logs, "action=DescribeProjectList code=InternalError") {
		t.Errorf("failed discovery with 2 collectors: %d lines, the cause named:\n%s", n, logs)
	}
	// An upstream inventing a code per call is one failure, not a line
	// (and a map entry) each.
	before = len(e.logs.String())
	for i := range 4 {
		e.srv.SetFault("DescribeProjectList", &standin.Fault{Kind: standin.FaultError, Code: fmt.Sprintf("Weird%d.Code", i)})
		e.scrape(t, "")
	}
	if logs := e.logs.String()[before:]; strings.Count(logs, "\n") != 1 {
		t.Errorf("4 invented codes: %d lines:\n%s", strings.Count(logs, "\n"), logs)
	}
}
