package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trro-exporter/trro_exporter/config"
)

// account is one account of a test config.
type testAccount struct {
	name, endpoint, id, key, extra string
}

// writeAccounts writes a config of several accounts; top holds top-level
// keys.
func writeAccounts(t *testing.T, path, top string, accounts ...testAccount) {
	t.Helper()
	var b strings.Builder
	b.WriteString(top)
	b.WriteString("accounts:\n")
	for _, a := range accounts {
		fmt.Fprintf(&b, "  - name: %s\n    endpoint: %s\n    credentials: {secret_id: %s, secret_key: %s}\n", a.name, a.endpoint, a.id, a.key)
		if a.extra != "" {
			b.WriteString("    " + strings.ReplaceAll(a.extra, "\n", "\n    ") + "\n")
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fewCollectors keeps the tests' API rounds small.
const fewCollectors = "collectors: {licenses: false, devices: false, device_status: false, recent_sessions: false, license_summary: false, sessions: false, usage: false, session_details: false}\n"

// scrapeWith GETs path with a scrape timeout header and returns the status
// and the page, which must parse as the text format (each family once).
func scrapeWith(t *testing.T, url, timeout string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if timeout != "" {
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", timeout)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		parser := expfmt.NewTextParser(model.UTF8Validation)
		if _, err := parser.TextToMetricFamilies(strings.NewReader(string(b))); err != nil {
			t.Fatalf("%s: the page does not parse: %v\n%s", url, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

func mustHave(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(body, l) {
			t.Errorf("missing %s", l)
		}
	}
	if t.Failed() {
		t.Fatalf("page:\n%s", body)
	}
}

func mustLack(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("should not have %s", p)
		}
	}
}

func TestTwoAccountsOnePageAndProbe(t *testing.T) {
	noCredsEnv(t)
	srvA, urlA := standIn(t, "project-a", "AKIDa", "key-a-secret")
	srvB, urlB := standIn(t, "project-b", "AKIDb", "key-b-secret")
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	writeAccounts(t, cfgPath, fewCollectors,
		testAccount{"a", urlA, "AKIDa", "key-a-secret", "labels: {customer: acme, site: north}"},
		testAccount{"b", urlB, "AKIDb", "key-b-secret", ""})
	url, logs := startExporter(t, "--config.file="+cfgPath)

	code, body := scrapeWith(t, url+"/metrics", "")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	mustHave(t, body,
		`trro_up{account="a",customer="acme",site="north"} 1`,
		`trro_up{account="b"} 1`,
		`trro_project_info{account="a",customer="acme",site="north",policy_mode="black",project_id="project-a",project_name="project-a"} 1`,
		`trro_project_info{account="b",policy_mode="black",project_id="project-b",project_name="project-b"} 1`,
		`trro_scrape_collector_success{account="a",customer="acme",site="north",collector="projects"} 1`,
		`trro_scrape_collector_success{account="b",collector="projects"} 1`,
		`trro_api_requests_total{account="a",customer="acme",site="north",action="DescribeProjectList",code="OK"}`,
		`trro_api_requests_total{account="b",action="DescribeProjectList",code="OK"}`,
		"go_goroutines", "trro_exporter_build_info")
	// Each account's series come from its own stand-in.
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, `account="a"`) && strings.Contains(l, "project-b") ||
			strings.Contains(l, `account="b"`) && strings.Contains(l, "project-a") {
			t.Fatalf("series of the wrong account: %s", l)
		}
	}
	if strings.Count(body, "# TYPE trro_up gauge") != 1 {
		t.Fatal("trro_up's family is written more than once")
	}

	// /probe: one account alone, none of the exporter's own metrics.
	code, probe := scrapeWith(t, url+"/probe?account=b", "")
	if code != 200 {
		t.Fatalf("probe status %d", code)
	}
	mustHave(t, probe, `trro_up{account="b"} 1`, `trro_project_info{account="b",`)
	mustLack(t, probe, `account="a"`, "go_goroutines", "trro_exporter_build_info")

	// Unknown or missing account: 400 naming the accounts, and no round.
	callsA, callsB := srvA.Calls(""), srvB.Calls("")
	for _, q := range []string{"?account=zzz", ""} {
		code, msg := scrapeWith(t, url+"/probe"+q, "")
		if code != 400 || !strings.Contains(msg, "accounts: a, b") {
			t.Fatalf("/probe%s: %d %q", q, code, msg)
		}
	}
	// HEAD of an unknown account is refused too; a long query is quoted in
	// part only.
	req, _ := http.NewRequest("HEAD", url+"/probe?account=zzz", nil)
	if resp, err := client.Do(req); err != nil || resp.StatusCode != 400 {
		t.Fatalf("HEAD /probe?account=zzz: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if code, msg := scrapeWith(t, url+"/probe?account="+strings.Repeat("x", 100000), ""); code != 400 || len(msg) > 300 {
		t.Fatalf("/probe with a 100 kB account: %d, %d bytes of answer", code, len(msg))
	}
	if srvA.Calls("") != callsA || srvB.Calls("") != callsB {
		t.Fatal("a refused probe made API calls")
	}
	// The exporter's own metrics alone, without a round.
	_, own := scrapeWith(t, url+"/exporter-metrics", "")
	mustHave(t, own, "trro_exporter_build_info", "go_goroutines")
	mustLack(t, own, "trro_up", "trro_api_requests_total")
	if srvA.Calls("") != callsA || srvB.Calls("") != callsB {
		t.Fatal("/exporter-metrics made API calls")
	}
	if strings.Contains(body+probe+logs.String(), "key-a-secret") || strings.Contains(body+probe+logs.String(), "key-b-secret") {
		t.Fatal("a secret leaked")
	}
}

func TestRejectedAccountLeavesTheOtherComplete(t *testing.T) {
	noCredsEnv(t)
	_, urlA := standIn(t, "project-a", "AKIDa", "key-a-secret")
	_, urlB := standIn(t, "project-b", "AKIDb", "key-b-secret")
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	writeAccounts(t, cfgPath, fewCollectors,
		testAccount{"a", urlA, "AKIDa", "key-a-secret", ""},
		testAccount{"b", urlB, "AKIDb", "a-wrong-key", ""})
	url, _ := startExporter(t, "--config.file="+cfgPath)
	_, body := scrapeWith(t, url+"/metrics", "")
	mustHave(t, body,
		`trro_up{account="a"} 1`, `trro_up{account="b"} 0`,
		`trro_project_info{account="a",policy_mode="black",project_id="project-a",project_name="project-a"} 1`,
		`trro_scrape_collector_success{account="a",collector="projects"} 1`,
		`trro_scrape_collector_success{account="b",collector="projects"} 0`,
		`trro_api_requests_total{account="b",action="DescribeProjectList",code="AuthFailure.SignatureFailure"}`)
	// Ready: one account is rejected, not all; the answer names it.
	resp, err := client.Get(url + "/-/ready")
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(msg), "b (AuthFailure.SignatureFailure)") {
		t.Fatalf("ready: %d %q", resp.StatusCode, msg)
	}
}

func TestSlowAccountDoesNotDelayTheOther(t *testing.T) {
	noCredsEnv(t)
	_, urlA := standIn(t, "project-a", "AKIDa", "key-a-secret")
	srvB, urlB := standIn(t, "project-b", "AKIDb", "key-b-secret")
	// b answers nothing until its caller gives up.
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	srvB.OnRequest(func(ctx context.Context, _ string) {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	})
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	writeAccounts(t, cfgPath, fewCollectors+"max_retries: 0\n",
		testAccount{"a", urlA, "AKIDa", "key-a-secret", ""},
		testAccount{"b", urlB, "AKIDb", "key-b-secret", ""})
	url, _ := startExporter(t, "--config.file="+cfgPath)
	// Prometheus' 3 s timeout: the page comes with a's data, b failed.
	code, body := scrapeWith(t, url+"/metrics", "3")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	mustHave(t, body,
		`trro_up{account="a"} 1`, `trro_up{account="b"} 0`,
		`trro_project_info{account="a",policy_mode="black",project_id="project-a",project_name="project-a"} 1`,
		`trro_scrape_collector_success{account="a",collector="projects"} 1`,
		`trro_scrape_collector_success{account="b",collector="projects"} 0`)
	mustLack(t, body, `project_id="project-b"`)
}

// The rate limit is per account: at 0.01 requests/s (one call, then none
// for 100 s) each account makes its one GetLicenses call in the first
// scrape; a shared limiter would let only one through. The second scrape
// shows the limiter is there: neither account may call again.
func TestRateLimitsArePerAccount(t *testing.T) {
	noCredsEnv(t)
	srvA, urlA := standIn(t, "project-a", "AKIDa", "key-a-secret")
	srvB, urlB := standIn(t, "project-b", "AKIDb", "key-b-secret")
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	writeAccounts(t, cfgPath, "rate_limit: 0.01\nmax_retries: 0\n",
		testAccount{"a", urlA, "AKIDa", "key-a-secret", ""},
		testAccount{"b", urlB, "AKIDb", "key-b-secret", ""})
	url, _ := startExporter(t, "--config.file="+cfgPath, "--collector.disable-defaults", "--collector.licenses")
	_, body := scrapeWith(t, url+"/metrics", "2")
	mustHave(t, body,
		`trro_scrape_collector_success{account="a",collector="licenses"} 1`,
		`trro_scrape_collector_success{account="b",collector="licenses"} 1`)
	_, body = scrapeWith(t, url+"/metrics", "2")
	mustHave(t, body,
		`trro_scrape_collector_success{account="a",collector="licenses"} 0`,
		`trro_scrape_collector_success{account="b",collector="licenses"} 0`)
	if a, b := srvA.Calls("GetLicenses"), srvB.Calls("GetLicenses"); a != 1 || b != 1 {
		t.Fatalf("GetLicenses calls: a %d, b %d; want 1 each", a, b)
	}
}

func TestReloadAddsAndRemovesAccounts(t *testing.T) {
	noCredsEnv(t)
	_, urlA := standIn(t, "project-a", "AKIDa", "key-a-secret")
	_, urlB := standIn(t, "project-b", "AKIDb", "key-b-secret")
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	a := testAccount{"a", urlA, "AKIDa", "key-a-secret", ""}
	b := testAccount{"b", urlB, "AKIDb", "key-b-secret", "labels: {customer: globex}"}
	writeAccounts(t, cfgPath, fewCollectors, a)
	url, _ := startExporter(t, "--config.file="+cfgPath)
	_, body := scrapeWith(t, url+"/metrics", "")
	mustHave(t, body, `trro_up{account="a"} 1`)
	mustLack(t, body, `account="b"`)

	writeAccounts(t, cfgPath, fewCollectors, a, b)
	if code, msg := post(t, url+"/-/reload"); code != 200 {
		t.Fatalf("reload: %d %s", code, msg)
	}
	_, body = scrapeWith(t, url+"/metrics", "")
	mustHave(t, body, `trro_up{account="a"} 1`, `trro_up{account="b",customer="globex"} 1`,
		`trro_project_info{account="b",customer="globex",`)

	// a goes: its series, API counters included, go with it.
	writeAccounts(t, cfgPath, fewCollectors, b)
	if code, msg := post(t, url+"/-/reload"); code != 200 {
		t.Fatalf("reload: %d %s", code, msg)
	}
	_, body = scrapeWith(t, url+"/metrics", "")
	mustHave(t, body, `trro_up{account="b",customer="globex"} 1`)
	mustLack(t, body, `account="a"`)
	if code, _ := scrapeWith(t, url+"/probe?account=a", ""); code != 400 {
		t.Fatalf("probe of a removed account: %d", code)
	}
}

// --config.check sizes and budgets each account apart (rate limits are per
// account), and names the account that cannot work.
func TestConfigCheckPerAccount(t *testing.T) {
	noCredsEnv(t)
	_, urlA := standIn(t, "project-a", "AKIDa", "key-a-secret")
	_, urlB := standIn(t, "project-b", "AKIDb", "key-b-secret")
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	writeAccounts(t, cfgPath, "",
		testAccount{"a", urlA, "AKIDa", "key-a-secret", "labels: {customer: acme}\nrate_limit: 5"},
		testAccount{"b", urlB, "AKIDb", "key-b-secret", "exclude: \"project-.*\""})
	code, stdout, stderr := runOnce(t, "--config.file="+cfgPath, "--config.check")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	// The settings of each account, then each account's budget.
	settings, budgets, _ := strings.Cut(stdout, "account a:\nfleet: ")
	a, b, ok := strings.Cut(settings, "account b:\n")
	aBudget, bBudget, _ := strings.Cut(budgets, "account b:\nfleet: ")
	a, b = a+aBudget, b+bBudget
	if !ok || strings.Count(stdout, "fleet: 1 projects, 0 devices") != 1 {
		t.Fatalf("no per-account sections:\n%s", stdout)
	}
	for _, want := range []string{"account a:\n", `  labels:               customer="acme"`, "5 calls/s per action", "  endpoint:             " + urlA} {
		if !strings.Contains(a, want) {
			t.Errorf("account a's part lacks %q:\n%s", want, stdout)
		}
	}
	// b's one project is excluded by name: sizing leaves it out too.
	for _, want := range []string{`(names: include "", exclude "project-.*")`, "0 projects, 0 devices", "20 calls/s per action", "  endpoint:             " + urlB} {
		if !strings.Contains(b, want) {
			t.Errorf("account b's part lacks %q:\n%s", want, stdout)
		}
	}

	writeAccounts(t, cfgPath, "",
		testAccount{"a", urlA, "AKIDa", "key-a-secret", ""},
		testAccount{"b", urlB, "AKIDb", "a-wrong-key", ""})
	code, stdout, stderr = runOnce(t, "--config.file="+cfgPath, "--config.check")
	if code != 1 || !strings.Contains(stderr, "config check failed: account b: the API rejects the credentials") ||
		strings.Contains(stderr, "account a:") || !strings.Contains(stdout, "account a:\nfleet: 1 projects") {
		t.Fatalf("code %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "a-wrong-key") || strings.Contains(stdout+stderr, "key-a-secret") {
		t.Fatal("a secret leaked")
	}
}

// A reload keeps the client and exporter (rate limits, caches, cursors) of
// an account whose settings and key are unchanged, and rebuilds the others:
// a changed setting, or a key file whose key was rotated.
func TestReloadKeepsUnchangedAccounts(t *testing.T) {
	noCredsEnv(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "b.key")
	os.WriteFile(keyFile, []byte("key-b-1\n"), 0o600)
	cfgPath := filepath.Join(dir, "config.yml")
	write := func(bRate string) {
		// Nothing listens there: the credential checks at load fail fast.
		cfg := "endpoint: http://127.0.0.1:1\naccounts:\n  - name: a\n    credentials: {secret_id: AKIDa, secret_key: key-a}\n" +
			"  - name: b\n    credentials: {secret_id: AKIDb, secret_key_file: " + keyFile + "}\n    rate_limit: " + bRate + "\n"
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("20")
	a := newApp(context.Background(), log.NewNopLogger(), cfgPath, func(*config.Config) {})
	cfg, err := a.loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.start(cfg); err != nil {
		t.Fatal(err)
	}
	before := a.exporters()
	check := func(what string, keepA, keepB bool) {
		t.Helper()
		if err := a.reload(); err != nil {
			t.Fatal(err)
		}
		now := a.exporters()
		if (now[0] == before[0]) != keepA || (now[1] == before[1]) != keepB {
			t.Fatalf("%s: a kept %v (want %v), b kept %v (want %v)", what, now[0] == before[0], keepA, now[1] == before[1], keepB)
		}
		if now[0].APIMetrics() != before[0].APIMetrics() || now[1].APIMetrics() != before[1].APIMetrics() {
			t.Fatalf("%s: API counters not carried over", what)
		}
		before = now
	}
	check("nothing changed", true, true)
	write("10")
	check("b's rate limit changed", true, false)
	os.WriteFile(keyFile, []byte("key-b-2\n"), 0o600)
	check("b's key rotated", true, false)
}

// Two accounts signing with one key would each spend the key's rate limits
// in full: the config is refused, naming both, by --config.check and by
// the server.
func TestAccountsSharingAKeyAreRefused(t *testing.T) {
	noCredsEnv(t)
	path := filepath.Join(t.TempDir(), "c.yml")
	writeAccounts(t, path, fewCollectors,
		testAccount{name: "a", endpoint: "http://127.0.0.1:1", id: "AKIDshared0001", key: "k1"},
		testAccount{name: "b", endpoint: "http://127.0.0.1:1", id: "AKIDshared0001", key: "k1"})
	for _, args := range [][]string{{"--config.check"}, {"--web.listen-address=127.0.0.1:0"}} {
		code, _, stderr := runOnce(t, append([]string{"--config.file=" + path}, args...)...)
		if code == 0 || !strings.Contains(stderr, "accounts a and b sign with the same key (secret id AKIDshar…)") {
			t.Errorf("%v: code %d, stderr:\n%s", args, code, stderr)
		}
		if strings.Contains(stderr, "AKIDshared0001") {
			t.Errorf("%v: the whole secret id is shown", args)
		}
	}
	// A key of its own each: accepted.
	writeAccounts(t, path, fewCollectors,
		testAccount{name: "a", endpoint: "http://127.0.0.1:1", id: "AKIDown0001", key: "k1"},
		testAccount{name: "b", endpoint: "http://127.0.0.1:1", id: "AKIDown0002", key: "k2"})
	if _, _, stderr := runOnce(t, "--config.file="+path, "--config.check"); strings.Contains(stderr, "same key") {
		t.Errorf("distinct keys refused:\n%s", stderr)
	}
}
