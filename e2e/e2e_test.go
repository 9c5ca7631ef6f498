//go:build e2e

// Package e2e runs the shipped configuration on real servers: the exporter
// binary against the stand-in API, Debian's Prometheus with the shipped
// scrape config and alert rules, and Alertmanager with the shipped config
// delivering to this test's webhook. Run it with `make e2e`.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/standin"
)

const (
	secretID  = "AKIDe2estack"
	secretKey = "e2e-stack-secret-key"
	// The second account's key.
	secretID2  = "AKIDe2esecond"
	secretKey2 = "e2e-second-secret-key"
)

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func lookPath(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatalf("none of %v on PATH: install Debian's prometheus and prometheus-alertmanager", names)
	return ""
}

// dashboard is what the tests read of a shipped dashboard.
type dashboard struct {
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// readDashboards reads the shipped dashboards, by file.
func readDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, _ := filepath.Glob("../grafana/dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards in ../grafana/dashboards")
	}
	out := map[string]dashboard{}
	for _, f := range files {
		var d dashboard
		raw, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(raw, &d)
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = d
	}
	return out
}

// buildExporter builds the exporter into dir.
func buildExporter(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "trro_exporter")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// start runs a process until the test ends, its output in dir/name.log.
func start(t *testing.T, dir, name string, env []string, bin string, args ...string) {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		f.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("--- %s log (last 3000 bytes):\n%s", name, tail(string(out), 3000))
		}
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func getJSON(u string, out any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s: %s", u, resp.Status, tail(string(b), 300))
	}
	return json.Unmarshal(b, out)
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		var done bool
		if done, last = ok(); done {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s: %s", what, last)
}

type webhook struct {
	mu     sync.Mutex
	alerts []alert
}

type alert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var msg struct {
		Alerts []alert `json:"alerts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err == nil {
		w.mu.Lock()
		w.alerts = append(w.alerts, msg.Alerts...)
		w.mu.Unlock()
	}
}

func (w *webhook) find(match func(alert) bool) *alert {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range w.alerts {
		if match(a) {
			return &a
		}
	}
	return nil
}

// appendScrapeConfigs adds the jobs of the file extra to the Prometheus
// config at dst, whose scrape_configs come last.
func appendScrapeConfigs(t *testing.T, dst, extra string) {
	t.Helper()
	raw, err := os.ReadFile(extra)
	if err != nil {
		t.Fatal(err)
	}
	_, jobs, ok := strings.Cut(string(raw), "scrape_configs:\n")
	if !ok {
		t.Fatalf("%s has no scrape_configs", extra)
	}
	f, err := os.OpenFile(dst, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(jobs)
}

func rewrite(t *testing.T, src, dst string, pairs ...string) {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) && !strings.HasPrefix(pairs[i], "re:") {
			t.Fatalf("%s does not contain %q", src, pairs[i])
		}
		if strings.HasPrefix(pairs[i], "re:") {
			s = regexp.MustCompile(pairs[i][3:]).ReplaceAllString(s, pairs[i+1])
		} else {
			s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
		}
	}
	if err := os.WriteFile(dst, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStack(t *testing.T) {
	dir := t.TempDir()
	prometheus := lookPath(t, "prometheus")
	alertmanager := lookPath(t, "prometheus-alertmanager", "alertmanager")

	// The stand-in: the demo fleet, whose license lic-bound-critical-1
	// expires in 5 days; a few throttled calls fill the error panels.
	fleet := standin.Generate(standin.DefaultSpec, time.Now())
	// A bad session that stays live for the whole run: the live-session
	// alerts fire on it.
	fleet.Sessions = append(fleet.Sessions, standin.Session{ID: "sess-e2e-bad", ProjectID: fleet.Projects[0].ID,
		FieldDeviceID: "e2e-excavator", RemoteDeviceID: "e2e-console", Resolution: "1920*1080",
		StartTime: time.Now().Add(-time.Minute).Unix(), EndTime: time.Now().Add(time.Hour).Unix(), Quality: "bad"})
	srv := standin.NewServer(fleet, standin.Credential{SecretID: secretID, SecretKey: secretKey})
	srv.SetFault("GetLicenseStat", &standin.Fault{Kind: standin.FaultError, Code: "RequestLimitExceeded", Times: 2})
	api := httptest.NewServer(srv)
	defer api.Close()
	// A second account, a customer's own: its own stand-in and key, a
	// smaller fleet with the same license ids (the account tells them apart).
	second := standin.NewServer(standin.Generate(standin.Spec{Projects: 1, DevicesPerProject: 4, SessionsPerDevice: 2}, time.Now()),
		standin.Credential{SecretID: secretID2, SecretKey: secretKey2})
	api2 := httptest.NewServer(second)
	defer api2.Close()

	hook := &webhook{}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()

	// The exporter binary with two accounts: the first's key from the
	// variables the config names, the second's from a key file.
	bin := buildExporter(t, dir)
	keyFile := filepath.Join(dir, "second.key")
	os.WriteFile(keyFile, []byte(secretKey2+"\n"), 0o600)
	config := fmt.Sprintf(`collectors: {session_quality: true}
accounts:
  - name: mine
    endpoint: %s
    credentials: {secret_id_env: MINE_SECRET_ID, secret_key_env: MINE_SECRET_KEY}
    labels: {customer: acme}
  - name: second
    endpoint: %s
    credentials: {secret_id: %s, secret_key_file: %s}
`, api.URL, api2.URL, secretID2, keyFile)
	os.WriteFile(filepath.Join(dir, "config.yml"), []byte(config), 0o600)
	exporterAddr, amAddr, promAddr := freePort(t), freePort(t), freePort(t)
	start(t, dir, "exporter", []string{"MINE_SECRET_ID=" + secretID, "MINE_SECRET_KEY=" + secretKey}, bin,
		"--web.listen-address="+exporterAddr, "--config.file="+filepath.Join(dir, "config.yml"))

	// Alertmanager with the shipped config, delivering to the webhook.
	rewrite(t, "../deploy/alertmanager/alertmanager.yml", filepath.Join(dir, "alertmanager.yml"),
		"http://127.0.0.1:5001/alerts", hookSrv.URL+"/alerts", "group_wait: 30s", "group_wait: 1s", "group_interval: 5m", "group_interval: 1s")
	start(t, dir, "alertmanager", nil, alertmanager, "--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "am-data"), "--web.listen-address="+amAddr, "--cluster.listen-address=")

	// Prometheus with the shipped scrape config and the rules, "for" cut
	// to zero for the live run (promtool tests cover the real delays).
	os.MkdirAll(filepath.Join(dir, "rules"), 0o755)
	rewrite(t, "../deploy/prometheus/trro-alerts.yml", filepath.Join(dir, "rules", "trro-alerts.yml"), `re:for: \w+`, "for: 0s")
	rewrite(t, "../deploy/prometheus/trro-rules.yml", filepath.Join(dir, "rules", "trro-rules.yml"))
	rewrite(t, "../deploy/docker-compose/prometheus.yml", filepath.Join(dir, "prometheus.yml"),
		"trro-exporter:9688", exporterAddr, "alertmanager:9093", amAddr, "/etc/prometheus/rules/*.yml", filepath.Join(dir, "rules", "*.yml"),
		"scrape_interval: 60s", "scrape_interval: 4s", "evaluation_interval: 60s", "evaluation_interval: 1s", "scrape_timeout: 30s", "scrape_timeout: 4s")
	// Beside /metrics, each account as a target of its own through /probe,
	// as the shipped example has it.
	rewrite(t, "../deploy/prometheus/probe-scrape-config.yml", filepath.Join(dir, "probe.yml"),
		"trro-exporter:9688", exporterAddr, "[acme, globex]", "[mine, second]", "job_name: trro\n", "job_name: trro-probe\n",
		"scrape_interval: 60s", "scrape_interval: 4s", "scrape_timeout: 30s", "scrape_timeout: 4s")
	appendScrapeConfigs(t, filepath.Join(dir, "prometheus.yml"), filepath.Join(dir, "probe.yml"))
	start(t, dir, "prometheus", nil, prometheus, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "prom-data"), "--web.listen-address="+promAddr)
	prom := "http://" + promAddr

	waitFor(t, "the trro target to be up", 60*time.Second, func() (bool, string) {
		var r struct {
			Data struct {
				ActiveTargets []struct {
					Health    string            `json:"health"`
					Labels    map[string]string `json:"labels"`
					LastError string            `json:"lastError"`
				} `json:"activeTargets"`
			} `json:"data"`
		}
		if err := getJSON(prom+"/api/v1/targets", &r); err != nil {
			return false, err.Error()
		}
		for _, tg := range r.Data.ActiveTargets {
			if tg.Labels["job"] == "trro" && tg.Health == "up" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", r.Data.ActiveTargets)
	})

	t.Run("dashboard queries return data", func(t *testing.T) {
		// Rates need a few samples.
		time.Sleep(8 * time.Second)
		n := 0
		for f, d := range readDashboards(t) {
			for _, v := range d.Templating.List {
				if v.Definition != "" {
					checkLabelValues(t, prom, f, v.Definition)
				}
			}
			for _, p := range d.Panels {
				for _, tg := range p.Targets {
					n++
					checkQuery(t, prom, f+": "+p.Title, substitute(tg.Expr))
				}
			}
		}
		if n < 25 {
			t.Fatalf("only %d panel queries", n)
		}
		t.Logf("%d panel queries returned data", n)
	})

	t.Run("every rule loads healthy", func(t *testing.T) {
		waitFor(t, "all rules evaluated healthy", 30*time.Second, func() (bool, string) {
			var r struct {
				Data struct {
					Groups []struct {
						Rules []struct {
							Name      string `json:"name"`
							Health    string `json:"health"`
							LastError string `json:"lastError"`
						} `json:"rules"`
					} `json:"groups"`
				} `json:"data"`
			}
			if err := getJSON(prom+"/api/v1/rules", &r); err != nil {
				return false, err.Error()
			}
			count := 0
			for _, g := range r.Data.Groups {
				for _, rule := range g.Rules {
					count++
					if rule.Health != "ok" {
						return false, fmt.Sprintf("%s: %s %s", rule.Name, rule.Health, rule.LastError)
					}
				}
			}
			return count == 23, fmt.Sprintf("%d rules", count)
		})
	})

	t.Run("live session alerts reach the webhook", func(t *testing.T) {
		// Usually there by now; the wait is long for a loaded machine.
		// (Frame gaps once took over 150 s: the stand-in's stutter held
		// still for minutes, its per-second values drawn from badly mixed
		// hash bits. They are mixed now.)
		began := time.Now()
		for _, name := range []string{"TrroSessionVideoLatencyHigh", "TrroSessionControlLatencyHigh", "TrroSessionPacketLossHigh",
			"TrroSessionResolutionDowngraded", "TrroSessionFrameGaps"} {
			fired := func(a alert) bool {
				return a.Labels["alertname"] == name && a.Labels["device_id"] == "e2e-excavator" && a.Status == "firing"
			}
			waitFor(t, name+" at the webhook", 150*time.Second, func() (bool, string) {
				if hook.find(fired) != nil {
					return true, ""
				}
				return false, fmt.Sprintf("%d alerts so far; %s", len(hook.alerts), liveDiagnosis(prom))
			})
			a := hook.find(fired)
			t.Logf("delivered after %s: %v %q", time.Since(began).Round(time.Second), a.Labels, a.Annotations["description"])
			if a.Labels["device_type"] != "field" || a.Labels["severity"] != "warning" || !strings.Contains(a.Annotations["description"], "e2e-excavator") {
				t.Errorf("%s: labels %v, annotations %v", name, a.Labels, a.Annotations)
			}
		}
	})

	t.Run("license expiry alert reaches the webhook", func(t *testing.T) {
		// Both accounts have a license lic-bound-critical-1: two alerts,
		// told apart by their account.
		critical := func(account string) func(a alert) bool {
			return func(a alert) bool {
				return a.Labels["alertname"] == "TrroLicenseExpiring" && a.Labels["severity"] == "critical" &&
					a.Labels["license_id"] == "lic-bound-critical-1" && a.Labels["account"] == account && a.Labels["job"] == "trro" && a.Status == "firing"
			}
		}
		warningOnly := func(a alert) bool {
			return a.Labels["alertname"] == "TrroLicenseExpiring" && a.Labels["severity"] == "warning" && a.Labels["license_id"] == "lic-bound-warning-1"
		}
		waitFor(t, "TrroLicenseExpiring at the webhook", 90*time.Second, func() (bool, string) {
			return hook.find(critical("mine")) != nil && hook.find(critical("second")) != nil && hook.find(warningOnly) != nil,
				fmt.Sprintf("%d alerts so far", len(hook.alerts))
		})
		a := hook.find(critical("mine"))
		t.Logf("delivered: %v %q", a.Labels, a.Annotations["description"])
		want := map[string]string{"alertname": "TrroLicenseExpiring", "severity": "critical", "job": "trro", "instance": exporterAddr,
			"license_id": "lic-bound-critical-1", "status": "bound", "account": "mine", "customer": "acme"}
		for k, v := range want {
			if a.Labels[k] != v {
				t.Errorf("label %s = %q, want %q (all: %v)", k, a.Labels[k], v, a.Labels)
			}
		}
		// It names the device the license keeps running.
		dev := a.Labels["device_id"]
		desc := regexp.MustCompile(`^License lic-bound-critical-1 \(bound to device ` + regexp.QuoteMeta(dev) + ` "[^"]+" in project mine7x2k9q4p1d0a\) of account mine on ` +
			regexp.QuoteMeta(exporterAddr) + ` expires in 4d 23h 5\dm \d+s\. The device it is bound to stops working when it expires: renew it\.$`)
		if dev == "" || a.Labels["device_name"] == "" || !desc.MatchString(a.Annotations["description"]) {
			t.Errorf("device %q, description = %q", dev, a.Annotations["description"])
		}
		// One page per expiring license: the device's own authorization
		// alert, the same expiry, is inhibited by it.
		waitFor(t, "the device's authorization alert inhibited", 60*time.Second, func() (bool, string) {
			var alerts []struct {
				Labels map[string]string `json:"labels"`
				Status struct {
					InhibitedBy []string `json:"inhibitedBy"`
				} `json:"status"`
			}
			if err := getJSON("http://"+amAddr+"/api/v2/alerts?filter="+url.QueryEscape(`alertname="TrroDeviceAuthorizationExpiring"`), &alerts); err != nil {
				return false, err.Error()
			}
			for _, x := range alerts {
				if x.Labels["device_id"] == dev && x.Labels["account"] == "mine" && x.Labels["severity"] == "critical" && x.Labels["job"] == "trro" {
					return len(x.Status.InhibitedBy) > 0, fmt.Sprintf("%v not inhibited", x.Labels)
				}
			}
			return false, fmt.Sprintf("no TrroDeviceAuthorizationExpiring for %s among %d", dev, len(alerts))
		})
		if a.Annotations["summary"] != "A bound TRRO license expires within 7 days." ||
			!strings.HasSuffix(a.Annotations["runbook_url"], "docs/runbook.md#trrolicenseexpiring") {
			t.Errorf("annotations = %v", a.Annotations)
		}
		if b := hook.find(critical("second")); b.Labels["customer"] != "" || !strings.Contains(b.Annotations["description"], "of account second") {
			t.Errorf("second account's alert: %v %v", b.Labels, b.Annotations)
		}
		// The inhibit rule: no warning for the license whose critical fires.
		if w := hook.find(func(a alert) bool {
			return a.Labels["alertname"] == "TrroLicenseExpiring" && a.Labels["severity"] == "warning" && a.Labels["license_id"] == "lic-bound-critical-1"
		}); w != nil {
			t.Errorf("warning not inhibited by the critical: %v", w.Labels)
		}
	})

	t.Run("each account a target of its own through /probe", func(t *testing.T) {
		for _, q := range []string{
			`trro_up{job="trro-probe",instance="mine",account="mine",customer="acme"} == 1`,
			`trro_up{job="trro-probe",instance="second",account="second"} == 1`,
			`up{job="trro-exporter"} == 1`,
			`count(trro_up{job="trro"} == 1) == 2`,
			// /probe pages hold their account only.
			`absent(trro_up{job="trro-probe",instance="mine",account!="mine"})`,
		} {
			waitFor(t, q, 30*time.Second, func() (bool, string) { return hasData(prom, q), "" })
		}
	})
}

// substitute fills Grafana's variables the way it would for "All".
func substitute(expr string) string {
	r := strings.NewReplacer(`"$job"`, `"trro"`, `"$instance"`, `".+"`, `"$account"`, `".+"`, `"$project_id"`, `".+"`, `"$device_id"`, `".+"`,
		"$__rate_interval", "30s", "$__interval", "4s", "$__range", "1h")
	return r.Replace(expr)
}

// hasData reports whether an instant query returns anything.
func hasData(prom, expr string) bool {
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	err := getJSON(prom+"/api/v1/query?query="+url.QueryEscape(expr), &r)
	return err == nil && r.Status == "success" && len(r.Data.Result) > 0
}

func checkQuery(t *testing.T, prom, where, expr string) {
	t.Helper()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := getJSON(prom+"/api/v1/query?query="+url.QueryEscape(expr), &r); err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	if r.Status != "success" || len(r.Data.Result) == 0 {
		t.Errorf("%s: no data for %s", where, expr)
	}
}

// checkLabelValues runs a Grafana label_values(metric, label) variable
// query as the Prometheus data source would.
func checkLabelValues(t *testing.T, prom, where, def string) {
	t.Helper()
	m := regexp.MustCompile(`^label_values\((.+), (\w+)\)$`).FindStringSubmatch(def)
	if m == nil {
		t.Errorf("%s: variable query %q is not label_values(metric, label)", where, def)
		return
	}
	var r struct {
		Data []string `json:"data"`
	}
	u := fmt.Sprintf("%s/api/v1/label/%s/values?match[]=%s", prom, m[2], url.QueryEscape(substitute(m[1])))
	if err := getJSON(u, &r); err != nil || len(r.Data) == 0 {
		t.Errorf("%s: variable %q has no values (%v)", where, def, err)
	}
}

// liveDiagnosis says what Prometheus holds of the bad session's device, for
// a live alert that does not come: its points, whether session_details
// succeeds, and the alerts Prometheus has.
func liveDiagnosis(prom string) string {
	var out []string
	for _, q := range []string{
		`sum(trro_session_video_latency_seconds_count{device_id="e2e-excavator"})`,
		`sum(rate(trro_session_video_latency_seconds_count{device_id="e2e-excavator"}[5m]))`,
		`min(trro_scrape_collector_success{collector="session_details"})`,
		`count(ALERTS{alertstate="firing"})`,
		`count(up == 1)`,
	} {
		v, err := getJSONValue(prom, q, time.Now())
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", q, err))
			continue
		}
		out = append(out, fmt.Sprintf("%s = %g", q, v))
	}
	return strings.Join(out, "; ")
}
