package collector_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

const (
	testID  = "AKIDcollectortest000000000000000"
	testKey = "collector-test-secret-key-DO-NOT-LEAK"
)

// now is the fixed clock of the tests: 2026-11-26 10:30:00 UTC.
var now = time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	srv     *standin.Server
	url     string
	client  *trro.Client
	exp     *collector.Exporter
	api     *collector.APIMetrics
	logs    *syncBuffer
	handler http.Handler
}

type envOpts struct {
	key        string
	projects   []string
	collectors []string
	intervals  []string
	maxDevices int
	freshness  map[string]config.CollectorSettings
	clock      func() time.Time
	client     func(*trro.Options)
	account    func(*config.Account)
}

func newEnv(t *testing.T, fleet *standin.Fleet, o envOpts) *env {
	t.Helper()
	srv := standin.NewServer(fleet, standin.Credential{SecretID: testID, SecretKey: testKey})
	srv.Now = func() time.Time { return now }
	ts := httptest.NewServer(srv)
	e := &env{srv: srv, url: ts.URL, logs: &syncBuffer{}, api: collector.NewAPIMetrics()}
	key := testKey
	if o.key != "" {
		key = o.key
	}
	def := config.Default(collector.Schema())
	copts := def.ClientOptions(common.NewCredential(testID, key))
	copts.Endpoint, copts.RateLimit, copts.MaxRetries, copts.Observe = ts.URL, 1000, 0, e.api.Observe
	if o.client != nil {
		o.client(&copts)
	}
	c, err := trro.NewClient(copts)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		c.Close()
	})
	if o.collectors == nil {
		o.collectors = collector.Names()
	}
	if o.intervals == nil {
		o.intervals = []string{"hour", "day"}
	}
	if o.clock == nil {
		o.clock = func() time.Time { return now }
	}
	acc := def.Account
	if o.maxDevices != 0 {
		collector.SettingsOf[collector.RoundSettings](&acc).MaxDevicesPerProject = o.maxDevices
	}
	collector.SettingsOf[collector.SessionsSettings](&acc).StatisticIntervals = o.intervals
	acc.Collectors, acc.Projects = only(o.collectors), o.projects
	acc.ScrapeTimeout, acc.CollectorSettings = config.Duration(5*time.Second), o.freshness
	if o.account != nil {
		o.account(&acc)
	}
	if err := acc.Validate(collector.Schema()); err != nil {
		t.Fatal(err)
	}
	e.exp = collector.New(acc, collector.Deps{API: c, APIMetrics: e.api, Now: o.clock,
		Logger: level.NewFilter(log.NewLogfmtLogger(e.logs), level.AllowInfo())})
	base := prometheus.NewRegistry()
	e.handler = collector.Handler(func() []*collector.Exporter { return []*collector.Exporter{e.exp} }, base, collector.HandlerOptions{Offset: 200 * time.Millisecond})
	return e
}

// only turns on the named collectors and no other.
func only(names []string) map[string]bool {
	on := map[string]bool{}
	for _, n := range collector.Names() {
		on[n] = slices.Contains(names, n)
	}
	return on
}

// scrape GETs /metrics through the handler like Prometheus does.
func (e *env) scrape(t *testing.T, timeoutHeader string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	if timeoutHeader != "" {
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", timeoutHeader)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func hasLine(body, line string) bool {
	for _, l := range strings.Split(body, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

// fixtureFleet has known values for every metric.
func fixtureFleet() *standin.Fleet {
	h := func(hh int) int64 { return time.Date(2026, 11, 26, hh, 0, 0, 0, time.UTC).Unix() }
	d := func(dd int) int64 { return time.Date(2026, 11, dd, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).Unix() }
	return &standin.Fleet{
		Projects: []standin.Project{
			{ID: "proj0000000000aa", Name: "露天矿远程挖掘", PolicyMode: "white"},
			{ID: "proj0000000000bb", Name: "Harbour cranes", PolicyMode: "black"},
		},
		Stats: map[string]map[string][]standin.Bucket{
			"proj0000000000aa": {
				"hour": {
					{StartTime: h(8), EndTime: h(9), SessionNum: 9, TotalDuration: 90, ActiveFieldDeviceNum: 9, ActiveRemoteDeviceNum: 9, NotBadSessionRatio: 99},
					{StartTime: h(9), EndTime: h(10), SessionNum: 4, TotalDuration: 30, ActiveFieldDeviceNum: 2, ActiveRemoteDeviceNum: 1, NotBadSessionRatio: 75},
					{StartTime: h(10), EndTime: h(11), SessionNum: 0, TotalDuration: 0},
				},
				"day": {
					{StartTime: d(25), EndTime: d(26), SessionNum: 40, TotalDuration: 600, ActiveFieldDeviceNum: 5, ActiveRemoteDeviceNum: 3, NotBadSessionRatio: 57},
					{StartTime: d(26), EndTime: d(27), SessionNum: 12, TotalDuration: 125, ActiveFieldDeviceNum: 3, ActiveRemoteDeviceNum: 2, NotBadSessionRatio: 100},
				},
			},
			"proj0000000000bb": {
				"hour": {{StartTime: h(10), EndTime: h(11), SessionNum: 1, TotalDuration: 20, ActiveFieldDeviceNum: 1, ActiveRemoteDeviceNum: 0, NotBadSessionRatio: 50}},
				"day":  {},
			},
		},
		Devices: []standin.Device{
			{ProjectID: "proj0000000000aa", ID: "dev-f1", Name: "Excavator 1", Type: "field", Status: "connected", LastReportTime: "1795689000",
				LicenseCount: 1, ExpireTime: 1800000000, RemainDay: 50, MonthlyRemainTime: 600, LimitedTime: 6000},
			{ProjectID: "proj0000000000aa", ID: "dev-f2", Name: "Excavator 2", Type: "field", Status: "offline", LastReportTime: "2026-11-26 18:00:00"},
			// The API lists a device twice at times: exported once.
			{ProjectID: "proj0000000000aa", ID: "dev-f1", Name: "Excavator 1", Type: "field", Status: "connected", LastReportTime: "1795689000",
				LicenseCount: 1, ExpireTime: 1800000000, RemainDay: 50, MonthlyRemainTime: 600, LimitedTime: 6000},
			{ProjectID: "proj0000000000aa", ID: "dev-r1", Name: "Console 1", Type: "remote", Status: "ready", LastReportTime: "2026-11-26T10:29:00Z",
				LicenseCount: 2, ExpireTime: 1796000000, RemainDay: 3, MonthlyRemainTime: 30, LimitedTime: 600},
			{ProjectID: "proj0000000000aa", ID: "dev-r2", Name: "Console 2", Type: "remote", Status: "rebooting", LastReportTime: "yesterday",
				LicenseCount: 1, ExpireTime: 1797000000, RemainDay: 20, MonthlyRemainTime: 0, LimitedTime: 600},
			{ProjectID: "proj0000000000bb", ID: "dev-b1", Name: "Crane 1", Type: "field", Status: "ready", LastReportTime: "1795689999000",
				LicenseCount: 1, ExpireTime: 1810000000, RemainDay: 200, MonthlyRemainTime: 3000, LimitedTime: 6000},
		},
		Sessions: fixtureSessions(),
		Licenses: []standin.LicenseGroup{
			{Count: 2, Status: 1, ExpireTime: 1800000000, Duration: 86400, RemainDay: 30, LicenseIDs: []string{"lic-a", "lic-b"}},
			{Count: 2, Status: 0, ExpireTime: 1790000000, Duration: 86400, RemainDay: 10, LicenseIDs: []string{"lic-c", "lic-a"}},
			// An exact repeat, as when pages shift under us: counted once.
			{Count: 2, Status: 1, ExpireTime: 1800000000, Duration: 86400, RemainDay: 30, LicenseIDs: []string{"lic-a", "lic-b"}},
			{Count: 1, Status: 2, ExpireTime: 1795000000, Duration: 86400, RemainDay: 3, LicenseIDs: []string{"lic-d"}},
			{Count: 1, Status: 7, ExpireTime: 1796000000, Duration: 86400, RemainDay: 5, LicenseIDs: []string{"lic-e"}},
		},
	}
}

func fixtureSessions() []standin.Session {
	t := now.Unix()
	s := func(id, project, quality string, start, end, latest int64) standin.Session {
		return standin.Session{ID: id, ProjectID: project, FieldDeviceID: "dev-f1", RemoteDeviceID: "dev-r1", Resolution: "1920*1080",
			StartTime: t + start, EndTime: end, LatestUpdateTime: t + latest, Quality: quality}
	}
	a, b := "proj0000000000aa", "proj0000000000bb"
	return []standin.Session{
		s("s1", a, "good", -3600, t-600, -600),
		s("s1", a, "good", -3600, t-600, -600), // repeated: counted once
		s("s2", a, "", -1800, 0, -30),          // live
		s("s3", a, "bad", -5*3600-600, t-5*3600, -5*3600),
		s("s4", a, "good", -31*3600, t-30*3600, -30*3600), // before the look-back
		s("s5", a, "normal", -3*3600-1200, t-3*3600, -3*3600),
		s("s6", a, "excellent", -9060, t-9000, -9000),
		s("s7", b, "", -100, 0, -10), // live
	}
}

// statusOf GETs url with a scrape timeout header, reads the page and
// returns the status.
func statusOf(t *testing.T, url, timeout string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", timeout)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
