package main

import (
	"errors"
	"runtime"
	"strconv"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/standin"
)

const (
	envID  = "AKIDmaintest00000000000000000000"
	envKey = "main-test-secret-key-never-printed"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func runOnce(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb lockedBuffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func noCredsEnv(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	for _, k := range []string{"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestBadFlag(t *testing.T) {
	code, _, stderr := runOnce(t, "--web.listen-adress=:1")
	if code != 2 || !strings.Contains(stderr, "unknown long flag '--web.listen-adress'") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	code, _, stderr = runOnce(t, "--web.telemetry-path=/probe")
	if code != 2 || !strings.Contains(stderr, `--web.telemetry-path: "/probe" must start with / and not be one of /probe,`) {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	code, _, stderr = runOnce(t, "--log.level=loud")
	if code != 2 || !strings.Contains(stderr, `unrecognized log level loud`) {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestMissingCredentials(t *testing.T) {
	noCredsEnv(t)
	code, _, stderr := runOnce(t, "--web.listen-address=127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "no Tencent Cloud credentials: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestConfigCheck(t *testing.T) {
	noCredsEnv(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	os.WriteFile(good, []byte("endpoint: http://127.0.0.1:1\nmax_retries: 0\ncredentials:\n  secret_id: AKIDcheck\n  secret_key: "+envKey+"\nprojects: [p1, p2]\nstatistic_intervals: [hour, day]\n"), 0o600)
	code, stdout, stderr := runOnce(t, "--config.file="+good, "--config.check.offline", "--no-collector.licenses", "--collector.session_quality")
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	if !strings.HasSuffix(stdout, "configuration OK (offline: the API was not called)\n") {
		t.Errorf("the verdict is not the last line:\n%s", stdout)
	}
	for _, want := range []string{"credentials:          config file (secret_id, secret_key)", "projects:             p1, p2", "statistic intervals:  hour, day", "collectors:           device_status, devices, license_summary, projects, recent_sessions, session_details, session_quality, sessions, usage"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout+stderr, envKey) {
		t.Fatal("--config.check printed the secret")
	}
	// Online, the endpoint cannot be reached: the check fails, and no
	// "configuration OK" contradicts it.
	code, stdout, stderr = runOnce(t, "--config.file="+good, "--config.check")
	if code != 1 || strings.Contains(stdout, "configuration OK") || !strings.Contains(stderr, "config check failed: cannot reach the endpoint") {
		t.Errorf("unreachable endpoint: code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("credentials:\n  secret_id: AKIDcheck\n  secret_key: "+envKey+"\n  secert: x\n"), 0o600)
	code, _, stderr = runOnce(t, "--config.file="+bad, "--config.check")
	if code != 1 || !strings.Contains(stderr, `config check failed: config file `+bad+`: line 4: unknown key "secert"`) || strings.Contains(stderr, envKey) {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

// client does not keep connections: an idle one the transport dialled but
// never used would hold the server's graceful shutdown for 5s.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startExporter(t *testing.T, args ...string) (string, *lockedBuffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	done := make(chan int)
	go func() { done <- run(ctx, append(args, "--web.listen-address="+addr), &out, &errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit code %d: %s", code, errb.String())
			}
		case <-time.After(5 * time.Second):
			t.Error("exporter did not stop")
		}
	})
	url := "http://" + addr
	// Polled, not timed: a busy machine may take long to start it.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if resp, err := client.Get(url + "/-/healthy"); err == nil {
			resp.Body.Close()
			return url, &errb
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("exporter did not start: %s", errb.String())
	return "", nil
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d", url, resp.StatusCode)
	}
	return string(b)
}

// The binary's contract: only the two environment variables and an
// endpoint pointing at a stand-in give correct metrics for every project.
func TestEnvCredentialsAgainstStandIn(t *testing.T) {
	noCredsEnv(t)
	t.Setenv("TENCENTCLOUD_SECRET_ID", envID)
	t.Setenv("TENCENTCLOUD_SECRET_KEY", envKey)
	fleet := standin.Generate(standin.DefaultSpec, time.Now())
	srv := httptest.NewServer(standin.NewServer(fleet, standin.Credential{SecretID: envID, SecretKey: envKey}))
	defer srv.Close()
	url, logs := startExporter(t, "--tencentcloud.endpoint="+srv.URL, "--collector.session_quality")
	body := get(t, url+"/metrics")
	if !strings.Contains(body, "\ntrro_up{account=\"default\"} 1\n") {
		t.Fatalf("trro_up is not 1:\n%s", body)
	}
	for _, p := range fleet.Projects {
		if !strings.Contains(body, `trro_project_info{account="default",policy_mode="`+p.PolicyMode+`",project_id="`+p.ID+`",project_name="`+p.Name+`"} 1`) {
			t.Errorf("project %s missing", p.ID)
		}
		for _, m := range []string{`trro_sessions{account="default",interval="hour",project_id="` + p.ID + `",window="current"}`,
			`trro_recent_sessions{account="default",project_id="` + p.ID + `"}`, `trro_active_sessions{account="default",project_id="` + p.ID + `"}`,
			`trro_session_quality_sessions{account="default",project_id="` + p.ID + `",quality="good"}`} {
			if !strings.Contains(body, m) {
				t.Errorf("%s missing", m)
			}
		}
	}
	for _, d := range fleet.Devices {
		for _, m := range []string{`trro_device_info{account="default",device_id="` + d.ID + `"`, `trro_device_licenses{account="default",device_id="` + d.ID + `"`,
			`trro_device_status{account="default",device_id="` + d.ID + `",project_id="` + d.ProjectID + `",status="` + d.Status + `"} 1`} {
			if !strings.Contains(body, m) {
				t.Errorf("%s missing", m)
			}
		}
	}
	for _, m := range []string{"trro_exporter_build_info{", `trro_licenses{account="default",status="bound"} 12`, `trro_account_valid_licenses{account="default"}`} {
		if !strings.Contains(body, m) {
			t.Errorf("%s missing", m)
		}
	}
	if failed := regexp.MustCompile(`trro_scrape_collector_success\{account="default",collector="\w+"\} 0`).FindString(body); failed != "" {
		t.Errorf("a collector failed: %s", failed)
	}
	// The landing page: links, the state of each account after the scrape
	// above, readiness; a test build says it is no release.
	landing := get(t, url+"/")
	for _, want := range []string{"/metrics", "<td>default</td><td>up</td>", "<td>taken</td>", "/-/ready", "development build (not a release)"} {
		if !strings.Contains(landing, want) {
			t.Errorf("landing page lacks %q:\n%s", want, landing)
		}
	}
	if strings.Contains(landing, "Demo mode") || strings.Contains(landing, "revision=unknown") {
		t.Errorf("landing page of a real account:\n%s", landing)
	}
	if strings.Contains(body+logs.String(), envKey) {
		t.Fatal("secret leaked into the page or the logs")
	}
}

func TestDemo(t *testing.T) {
	noCredsEnv(t)
	// As if built with the Go the README warns of.
	// Restored after the exporter stops (cleanups run last first).
	builtWith = "go1.26.8"
	t.Cleanup(func() { builtWith = runtime.Version() })
	url, logs := startExporter(t, "--demo", "--log.format=json")
	body := get(t, url+"/metrics")
	for _, want := range []string{"\ntrro_up{account=\"default\"} 1\n", `trro_scrape_collector_success{account="default",collector="sessions"} 1`, "露天矿远程挖掘"} {
		if !strings.Contains(body, want) {
			t.Errorf("demo page lacks %q", want)
		}
	}
	landing := get(t, url+"/")
	if !strings.Contains(landing, "Demo mode:") {
		t.Errorf("the demo's landing page does not say it is the demo:\n%s", landing)
	}
	const old = "built with go1.26.8, older than go1.27.3"
	if !strings.Contains(landing, old) || !strings.Contains(logs.String(), old) {
		t.Errorf("an old toolchain goes unmentioned: landing page\n%s\nlog\n%s", landing, logs.String())
	}
}

func TestToolchainWarning(t *testing.T) {
	for v, warn := range map[string]bool{"go1.26.8": true, "go1.27.2": true, "go1.27.3": false, "go1.28": false, "devel go1.28-abc": false} {
		if got := toolchainWarning(v) != ""; got != warn {
			t.Errorf("%s: warning %v, want %v", v, got, warn)
		}
	}
}

func TestConfigCheckPrintsTheBudget(t *testing.T) {
	noCredsEnv(t)
	code, stdout, stderr := runOnce(t, "--demo", "--config.check", "--config.check.scrape-interval=30s", "--collector.session_quality")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	// The demo fleet moves with the clock: how many sessions are live
	// depends on the instant, and so do the points calls and the total.
	// Sizing counts the lists the enabled collectors' demands read.
	m := regexp.MustCompile(`\nfleet: 3 projects, 18 devices listed, 18 devices, 16 license groups, \d+ recent sessions, (\d+) live sessions, \d+ ended sessions\n`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no fleet line:\n%s", stdout)
	}
	live, _ := strconv.Atoi(m[1])
	for _, want := range []string{
		"API budget at a 30s scrape interval (86400 scrapes in 30 days), 20 calls/s per action:",
		"  DescribeSessionStatisticsByInterval           3         259200       0.15  [sessions]",
		// usage: this month every scrape, last month hourly.
		"  GetTotalDuration                              6         261360       0.30  [usage]",
		// session_details: one call per live session.
		fmt.Sprintf("  %-36s %10d %14d %10.2f  [session_details]", "DescribeDeviceSessionDetails", live, live*86400, float64(live)/20),
		fmt.Sprintf("  %-36s %10d %14d", "total", 24+live, 1816560+live*86400),
	} {
		if live > 0 || !strings.Contains(want, "DescribeDeviceSessionDetails") {
			if !strings.Contains(stdout, want) {
				t.Errorf("budget lacks %q:\n%s", want, stdout)
			}
		}
	}
	// Series as well as calls: two devices per live session now, at most
	// max_session_devices (2000).
	sm := regexp.MustCompile(`\nseries of session_details: about (\d+) now, at most (\d+) \((\d+) per device in session`).FindStringSubmatch(stdout)
	if sm == nil {
		t.Fatalf("no series line:\n%s", stdout)
	}
	now, most, per := atoi(sm[1]), atoi(sm[2]), atoi(sm[3])
	if per < 80 || per > 150 || now != 2*live*per || most != 2000*per {
		t.Errorf("series: %d now, %d at most, %d per device; %d live sessions", now, most, per, live)
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func TestDemoListensOnLoopbackUnlessTold(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--demo"}, "127.0.0.1:9688"},
		{[]string{"--demo", "--web.listen-address=:9688"}, ":9688"},
		{[]string{"--web.listen-address=10.0.0.1:9688"}, "10.0.0.1:9688"},
		{nil, ":9688"},
	} {
		f, code := parseFlags(c.args, io.Discard)
		if f == nil {
			t.Fatalf("%v: exit %d", c.args, code)
		}
		f.demoOnLoopback()
		if got := *f.web.WebListenAddresses; len(got) != 1 || got[0] != c.want {
			t.Errorf("%v: listens on %v, want %s", c.args, got, c.want)
		}
	}
}

// The demo's /metrics reads as a real fleet: active field devices within
// the project's field devices, licenses only on field devices, each bound
// license counted once in trro_licenses, consoles without licenses.
func TestDemoMetricsAddUp(t *testing.T) {
	noCredsEnv(t)
	url, _ := startExporter(t, "--demo")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(get(t, url+"/metrics")))
	if err != nil {
		t.Fatal(err)
	}
	label := func(m *dto.Metric, name string) string {
		for _, l := range m.GetLabel() {
			if l.GetName() == name {
				return l.GetValue()
			}
		}
		return ""
	}
	fields := map[string]int{} // project → field devices
	typ := map[string]string{} // device → type
	for _, m := range fams["trro_device_info"].GetMetric() {
		typ[label(m, "device_id")] = label(m, "device_type")
		if label(m, "device_type") == "field" {
			fields[label(m, "project_id")]++
		}
	}
	if len(fields) != 3 {
		t.Fatalf("field devices per project: %v", fields)
	}
	for _, m := range fams["trro_active_field_devices"].GetMetric() {
		if v := int(m.GetGauge().GetValue()); v > fields[label(m, "project_id")] {
			t.Errorf("%s %s %s: %d active field devices of %d", label(m, "project_id"), label(m, "interval"), label(m, "window"), v, fields[label(m, "project_id")])
		}
	}
	licensed := 0
	for _, m := range fams["trro_device_licenses"].GetMetric() {
		n := int(m.GetGauge().GetValue())
		if typ[label(m, "device_id")] == "remote" && n != 0 {
			t.Errorf("console %s holds %d licenses", label(m, "device_id"), n)
		}
		licensed += n
	}
	for _, m := range fams["trro_licenses"].GetMetric() {
		if label(m, "status") == "bound" && int(m.GetGauge().GetValue()) != licensed {
			t.Errorf("trro_licenses{status=bound} %v, devices hold %d", m.GetGauge().GetValue(), licensed)
		}
	}
}

// --config.check fails (exit 1, one line saying what to fix) when the
// exporter could not work: credentials rejected or unreadable, endpoint
// unreachable; it passes on a working setup.
func TestConfigCheckExitCodes(t *testing.T) {
	noCredsEnv(t)
	srv, api := standIn(t, "project-check", "AKIDcheck", "the-right-key")
	_ = srv
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("the-right-key\n"), 0o600)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	for _, c := range []struct {
		name, config string
		code         int
		want         string
	}{
		{"good", "endpoint: " + api + "\ncredentials: {secret_id: AKIDcheck, secret_key_file: " + keyFile + "}\n", 0, ""},
		{"wrong key", "endpoint: " + api + "\ncredentials: {secret_id: AKIDcheck, secret_key: not-the-key}\n", 1,
			"the API rejects the credentials from config file (secret_id, secret_key): it answered AuthFailure.SignatureFailure"},
		{"missing key file", "endpoint: " + api + "\ncredentials: {secret_id: AKIDcheck, secret_key_file: " + filepath.Join(dir, "nope") + "}\n", 1,
			"secret_key_file"},
		{"unreachable endpoint", "endpoint: http://127.0.0.1:1\nmax_retries: 0\ncredentials: {secret_id: AKIDcheck, secret_key: the-right-key}\n", 1,
			"cannot reach the endpoint http://127.0.0.1:1"},
	} {
		code, stdout, stderr := runOnce(t, "--config.file="+write(c.name+".yml", c.config), "--config.check")
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", c.name, code, c.code, c.want, stdout, stderr)
		}
		if c.code == 0 && !strings.Contains(stdout, "API budget at") {
			t.Errorf("%s: no budget:\n%s", c.name, stdout)
		}
		// Not on a terminal: a line as each stage starts and ends.
		if c.code == 0 && (!strings.Contains(stderr, "sizing the fleet: listing projects (1 calls)") ||
			!strings.Contains(stderr, "sizing the fleet: counting devices, sessions and licenses: done")) {
			t.Errorf("%s: no progress:\n%s", c.name, stderr)
		}
		if strings.Contains(stdout+stderr, "the-right-key") || strings.Contains(stdout+stderr, "not-the-key") {
			t.Errorf("%s: a secret was printed", c.name)
		}
	}
}

// The toolkit's log lines carry one caller and one timestamp, as ours do.
func TestLogLinesHaveOneCallerAndOneTimestamp(t *testing.T) {
	var b lockedBuffer
	logger, slogger := newLogger(&b, &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()})
	level.Info(logger).Log("msg", "ours")
	slogger.Info("theirs", "k", "v")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	for _, l := range lines {
		if strings.Count(l, "caller=") != 1 || strings.Count(l, "ts=") != 1 || strings.Contains(l, "time=") {
			t.Errorf("line %q: want one caller, one ts, no time", l)
		}
	}
}

// Our go-kit calls go through promslog's handler: its level is the one
// filter, the caller is the line that logged, and pairs stay pairs.
func TestGoKitLoggerWritesThroughPromslog(t *testing.T) {
	var b lockedBuffer
	cfg := &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()}
	if err := cfg.Level.Set("warn"); err != nil {
		t.Fatal(err)
	}
	logger, _ := newLogger(&b, cfg)
	logger = log.With(logger, "account", "a")
	level.Info(logger).Log("msg", "hidden")
	_, _, line, _ := runtime.Caller(0)
	level.Error(logger).Log("msg", "shown", "err", errors.New("boom"), "odd")
	got := strings.TrimSpace(b.String())
	want := fmt.Sprintf(`level=error caller=main_test.go:%d msg=shown account=a err=boom odd=(MISSING)`, line+1)
	if strings.Contains(got, "hidden") || !strings.Contains(got, want) {
		t.Errorf("got %q, want a line with %q", got, want)
	}
}

// The landing page's profiling links answer.
func TestProfilingLinksAnswer(t *testing.T) {
	noCredsEnv(t)
	url, _ := startExporter(t, "--demo")
	landing := get(t, url+"/")
	for _, p := range []string{"/debug/pprof/heap", "/debug/pprof/goroutine?debug=1"} {
		if strings.HasPrefix(p, "/debug/pprof/heap") && !strings.Contains(landing, "/debug/pprof") {
			t.Errorf("landing page has no profiling links")
		}
		get(t, url+p) // fails the test on a non-200
	}
}

func TestCollectorDisableDefaults(t *testing.T) {
	noCredsEnv(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yml")
	os.WriteFile(cfg, []byte("collectors: {usage: true}\ncredentials: {secret_id: AKIDx, secret_key: "+envKey+"}\n"), 0o600)
	code, stdout, stderr := runOnce(t, "--config.file="+cfg, "--config.check.offline", "--collector.disable-defaults", "--collector.licenses")
	if code != 0 || !strings.Contains(stdout, "collectors:           licenses, usage\n") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
}
