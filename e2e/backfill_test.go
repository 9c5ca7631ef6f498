//go:build e2e

package e2e

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/standin"
)

// TestBackfill runs the documented steps on real tools: trro_exporter
// backfill of 7 days from the stand-in, promtool tsdb
// create-blocks-from openmetrics, Prometheus started on the blocks; then
// queries the past against what the stand-in served.
func TestBackfill(t *testing.T) {
	dir := t.TempDir()
	prometheus, promtool := lookPath(t, "prometheus"), lookPath(t, "promtool")
	now := time.Now()
	// One project: a console driving two machines around the clock. The
	// stand-in keeps details for 6 days: the first day's sessions are
	// skipped and counted.
	sim := standin.NewSimulation(standin.Spec{Projects: 1, DevicesPerProject: 3}, now)
	srv := standin.NewServer(sim.At(now), standin.Credential{SecretID: secretID, SecretKey: secretKey})
	srv.Follow(sim)
	srv.DetailsKept = 6 * 24 * time.Hour
	api := httptest.NewServer(srv)
	defer api.Close()

	bin := buildExporter(t, dir)
	cfg := filepath.Join(dir, "config.yml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("name: mine\nendpoint: %s\nstatistic_intervals: [hour, day]\ncollectors: {session_details: true, session_quality: true}\n", api.URL)), 0o600)
	out := filepath.Join(dir, "history.om")
	cmd := exec.Command(bin, "backfill", "--config.file="+cfg, "--from=7d", "--to=3h", "--step=5m", "--rate-limit=20",
		"--label=instance=trro-exporter:9688", "--output="+out)
	cmd.Env = append(os.Environ(), "TENCENTCLOUD_SECRET_ID="+secretID, "TENCENTCLOUD_SECRET_KEY="+secretKey)
	began := time.Now()
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("backfill: %v\n%s\n%s", err, stdout, tail(errText(err), 3000))
	}
	t.Logf("backfill in %s: %s", time.Since(began).Round(time.Second), strings.TrimSpace(string(stdout)))
	if !strings.Contains(string(stdout), "sessions skipped: the API no longer keeps their details") {
		t.Errorf("sessions past the stand-in's retention were not reported skipped")
	}

	data := filepath.Join(dir, "data")
	if b, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", out, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, tail(string(b), 3000))
	}
	addr := freePort(t)
	os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte("global: {scrape_interval: 1m}\n"), 0o644)
	start(t, dir, "prometheus", nil, prometheus, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+data, "--web.listen-address="+addr, "--storage.tsdb.retention.time=30d")
	prom := "http://" + addr
	waitFor(t, "Prometheus ready", 60*time.Second, func() (bool, string) {
		_, err := getJSONValue(prom, "vector(1)", now)
		return err == nil, fmt.Sprint(err)
	})

	fleet := sim.At(now)
	pid := fleet.Projects[0].ID
	step := 5 * time.Minute

	t.Run("hourly sessions three days ago are the stand-in's bucket", func(t *testing.T) {
		at := now.Add(-72 * time.Hour).Truncate(step)
		prev := standin.BucketStart("hour", standin.BucketStart("hour", at).Add(-time.Second))
		want := fleet.BucketOf(pid, "hour", prev, now)
		got, err := getJSONValue(prom, `trro_sessions{job="trro",instance="trro-exporter:9688",account="mine",interval="hour",window="previous"}`, at)
		if err != nil || got != float64(want.SessionNum) || want.SessionNum == 0 {
			t.Errorf("at %s: %g (%v), the stand-in's bucket of %s holds %d sessions", at.UTC(), got, err, prev.UTC(), want.SessionNum)
		}
	})

	t.Run("a day's increase of the video latency count is the points served that day", func(t *testing.T) {
		at := now.Add(-48 * time.Hour).Truncate(step)
		got, err := getJSONValue(prom, `sum(increase(trro_session_video_latency_seconds_count[1d]))`, at)
		want := fleet.VideoLatencyPoints(at.Add(-24*time.Hour).Unix(), at.Unix(), now.Unix())
		if err != nil || got != float64(want) || want < 10000 {
			t.Errorf("day to %s: %g (%v), the stand-in served %d points", at.UTC(), got, err, want)
		}
	})

	t.Run("dashboard panels draw the past", func(t *testing.T) {
		end := now.Add(-48 * time.Hour).Truncate(step)
		checked, skipped := 0, map[string]bool{}
		for _, q := range dashboardQueries(t) {
			if m := noHistory.FindString(q); m != "" {
				skipped[m] = true // state the API keeps no history of, or scrapes' own series
				continue
			}
			checked++
			if !hasRangeData(prom, historySubstitute(q), end.Add(-2*time.Hour), end) {
				t.Errorf("no data two days ago for %s", q)
			}
		}
		if checked < 25 {
			t.Fatalf("only %d panel queries checked", checked)
		}
		t.Logf("%d panel queries drew the past; not backfilled (no history): %v", checked, keys(skipped))
	})
}

// noHistory matches the series a backfill leaves out: licences and device
// state (no history in the API) and what tells of scrapes.
var noHistory = regexp.MustCompile(`\b(trro_licenses?\w*|trro_device_\w+|trro_account_\w+|trro_up|trro_scrape_\w+|trro_api_\w+|trro_collector_truncated|trro_dropped_values_total|trro_exporter_\w+|up|scrape_\w+)\b`)

// historySubstitute fills Grafana's variables for a backfilled range: a
// rate interval of three 5m steps.
func historySubstitute(expr string) string {
	return strings.NewReplacer(`"$job"`, `"trro"`, `"$instance"`, `".+"`, `"$account"`, `".+"`, `"$project_id"`, `".+"`, `"$device_id"`, `".+"`,
		"$__rate_interval", "15m", "$__interval", "5m", "$__range", "2h").Replace(expr)
}

func hasRangeData(prom, expr string, start, end time.Time) bool {
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []any `json:"result"`
		} `json:"data"`
	}
	u := fmt.Sprintf("%s/api/v1/query_range?query=%s&start=%d&end=%d&step=300", prom, url.QueryEscape(expr), start.Unix(), end.Unix())
	return getJSON(u, &r) == nil && r.Status == "success" && len(r.Data.Result) > 0
}

// getJSONValue is an instant query's single value at ts.
func getJSONValue(prom, expr string, ts time.Time) (float64, error) {
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	u := fmt.Sprintf("%s/api/v1/query?query=%s&time=%d", prom, url.QueryEscape(expr), ts.Unix())
	if err := getJSON(u, &r); err != nil {
		return 0, err
	}
	if len(r.Data.Result) != 1 {
		return 0, fmt.Errorf("%d series for %s", len(r.Data.Result), expr)
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}

func errText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return err.Error()
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// dashboardQueries are every panel query of the shipped dashboards.
func dashboardQueries(t *testing.T) []string {
	var out []string
	for _, d := range readDashboards(t) {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				out = append(out, tg.Expr)
			}
		}
	}
	return out
}
