package mixin

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed files are what the mixin renders: CI fails when someone
// edits a generated file, or the mixin without `make mixin`.
func TestCommittedFilesAreGenerated(t *testing.T) {
	m, err := Evaluate("")
	if err != nil {
		t.Fatal(err)
	}
	files, err := m.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d files rendered", len(files))
	}
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Errorf("%s: %v (run make mixin)", path, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what monitoring-mixin renders: run make mixin, edit the mixin rather than the file", path)
		}
	}
	// And nothing stale is left beside them.
	for _, dir := range []string{"grafana/dashboards", "deploy/helm/trro-exporter/files/dashboards"} {
		entries, err := os.ReadDir(filepath.Join("..", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, ok := files[dir+"/"+e.Name()]; !ok {
				t.Errorf("%s/%s is not rendered by the mixin", dir, e.Name())
			}
		}
	}
}

// One source of thresholds: a _config override moves the alert's
// threshold, its text, and the dashboards' colour steps and texts together.
func TestConfigDrivesAlertsAndDashboards(t *testing.T) {
	m, err := Evaluate(`{_config+:: {videoLatencyP95Seconds: 0.35, licenseExpiryWarningDays: 45, frameGapStutterSeconds: 0.5, jobSelector: 'job="fleet"'}}`)
	if err != nil {
		t.Fatal(err)
	}
	exprs := map[string]string{}
	summaries := map[string]string{}
	for _, g := range m.Alerts.Groups {
		for _, r := range g.Rules {
			if _, seen := exprs[r.Alert]; !seen { // the warning of a pair
				exprs[r.Alert] = r.Expr
				summaries[r.Alert] = r.Annotations["summary"] + " " + r.Annotations["description"]
			}
		}
	}
	for alert, want := range map[string]string{
		"TrroSessionVideoLatencyHigh": "> 0.35",
		"TrroLicenseExpiring":         "< 45 * 86400",
		"TrroSessionFrameGaps":        `le="0.5"`,
		"TrroExporterDown":            `up{job="fleet"}`,
	} {
		if !strings.Contains(exprs[alert], want) {
			t.Errorf("%s: expr %q lacks %q", alert, exprs[alert], want)
		}
	}
	for alert, want := range map[string]string{
		"TrroLicenseExpiring":  "within 45 days",
		"TrroSessionFrameGaps": "over 500 ms",
	} {
		if !strings.Contains(summaries[alert], want) {
			t.Errorf("%s: text %q lacks %q", alert, summaries[alert], want)
		}
	}

	files, err := m.Files()
	if err != nil {
		t.Fatal(err)
	}
	live := string(files["grafana/dashboards/trro-live-sessions.json"])
	licenses := string(files["grafana/dashboards/trro-licenses.json"])
	for _, c := range []struct{ in, want string }{
		{live, `"value":0.35`},
		{live, "above 350 ms"},
		{live, `le=\"0.5\"`},
		{licenses, `"value":45`},
		{licenses, "expiring within 45 days"},
		{licenses, "< bool 45 * 86400"},
	} {
		if !strings.Contains(compact(t, c.in), c.want) {
			t.Errorf("dashboard lacks %s", c.want)
		}
	}
}

func TestEvaluateReportsErrors(t *testing.T) {
	if _, err := Evaluate(`{prometheusAlerts+:: {groups+: [{name: 'x', rules: [{alret: 'Typo', expr: '1'}]}]}}`); err == nil ||
		!strings.Contains(err.Error(), "alret") {
		t.Errorf("a misspelt rule field: %v", err)
	}
	if _, err := Evaluate(`{`); err == nil || !strings.Contains(err.Error(), "evaluating the mixin") {
		t.Errorf("a syntax error: %v", err)
	}
}

func compact(t *testing.T, s string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
