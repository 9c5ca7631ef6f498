// Package deploy_test checks the shipped dashboards, alert rules and
// deployment files: conventions, metric names against what the exporter
// really exports, and promtool.
package deploy_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"go.yaml.in/yaml/v3"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/internal/testtool"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

type target struct {
	Expr       string          `json:"expr"`
	Datasource json.RawMessage `json:"datasource"`
}

type panel struct {
	ID          int             `json:"id"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Datasource  json.RawMessage `json:"datasource"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []target `json:"targets"`
}

type dashboard struct {
	UID         string  `json:"uid"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Editable    *bool   `json:"editable"`
	Panels      []panel `json:"panels"`
	Templating  struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

func loadDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := filepath.Glob("../grafana/dashboards/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	out := map[string]dashboard{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "${DS_") {
			t.Errorf("%s: has a ${DS_…} import placeholder", f)
		}
		var d dashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = d
	}
	return out
}

func TestDashboardConventions(t *testing.T) {
	wantUIDs := map[string]string{"trro-fleet-overview": "TRRO / Fleet overview", "trro-licenses": "TRRO / Licenses", "trro-exporter": "TRRO / Exporter", "trro-live-sessions": "TRRO / Live sessions"}
	seen := map[string]bool{}
	for f, d := range loadDashboards(t) {
		if wantUIDs[d.UID] != d.Title {
			t.Errorf("%s: uid %q title %q not one of the stable pairs %v", f, d.UID, d.Title, wantUIDs)
		}
		seen[d.UID] = true
		if d.Editable == nil || *d.Editable {
			t.Errorf("%s: editable must be false", f)
		}
		if d.Description == "" {
			t.Errorf("%s: no description", f)
		}
		vars := map[string]string{}
		for _, v := range d.Templating.List {
			vars[v.Name] = v.Type
			if v.Name == "datasource" && (v.Type != "datasource" || string(v.Query) != `"prometheus"`) {
				t.Errorf("%s: datasource variable must be of type datasource over prometheus", f)
			}
		}
		usesProject := false
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				usesProject = usesProject || strings.Contains(tg.Expr, `project_id=~"$project_id"`)
			}
		}
		for _, v := range []string{"datasource", "job", "instance", "account"} {
			if _, ok := vars[v]; !ok {
				t.Errorf("%s: no %s variable", f, v)
			}
		}
		if _, ok := vars["project_id"]; ok != usesProject {
			t.Errorf("%s: project_id variable present=%v but used by panels=%v", f, ok, usesProject)
		}
		ids := map[int]bool{}
		for _, p := range d.Panels {
			if ids[p.ID] {
				t.Errorf("%s: panel id %d twice", f, p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" { // a heading: no query of its own
				continue
			}
			if p.Description == "" {
				t.Errorf("%s: panel %q has no description", f, p.Title)
			}
			if p.FieldConfig.Defaults.Unit == "" {
				t.Errorf("%s: panel %q has no unit", f, p.Title)
			}
			if !strings.Contains(string(p.Datasource), `"${datasource}"`) {
				t.Errorf("%s: panel %q does not use the datasource variable", f, p.Title)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", f, p.Title)
			}
			for _, tg := range p.Targets {
				if !strings.Contains(tg.Expr, `job=~"$job"`) || !strings.Contains(tg.Expr, `instance=~"$instance"`) {
					t.Errorf("%s: panel %q query ignores $job/$instance: %s", f, p.Title, tg.Expr)
				}
				// Every query of the exporter's series follows $account; up
				// and scrape_duration_seconds are the target's own and have
				// no account on /metrics.
				target := strings.HasPrefix(tg.Expr, "up{") || strings.HasPrefix(tg.Expr, "scrape_duration_seconds{")
				if !target && !strings.Contains(tg.Expr, `account=~"$account"`) {
					t.Errorf("%s: panel %q query ignores $account: %s", f, p.Title, tg.Expr)
				}
			}
		}
	}
	for uid := range wantUIDs {
		if !seen[uid] {
			t.Errorf("dashboard %s missing", uid)
		}
	}
}

// exportedMetrics scrapes an exporter with every collector over a generated
// fleet and returns every sample name it exposes.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{"trro_exporter_build_info": true}
	for _, mf := range exportedFamilies(t) {
		n := mf.GetName()
		names[n] = true
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			names[n+"_bucket"], names[n+"_sum"], names[n+"_count"] = true, true, true
		}
	}
	return names
}

// exportedFamilies gathers every collector of an account against the demo
// fleet, the second gather (the API counters fill during the first).
func exportedFamilies(t *testing.T) []*dto.MetricFamily {
	t.Helper()
	srv := standin.NewServer(standin.Generate(standin.DefaultSpec, time.Now()), standin.Credential{SecretID: "AKIDdeploy", SecretKey: "deploy-key"})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	api := collector.NewAPIMetrics()
	def := config.Default(collector.Schema())
	opts := def.ClientOptions(common.NewCredential("AKIDdeploy", "deploy-key"))
	opts.Endpoint, opts.RateLimit, opts.Observe = ts.URL, 1000, api.Observe
	c, err := trro.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	acc := def.Account
	for _, n := range collector.Names() {
		acc.Collectors[n] = true
	}
	collector.SettingsOf[collector.SessionsSettings](&acc).StatisticIntervals = []string{"hour", "day", "month"}
	e := collector.New(acc, collector.Deps{API: c, APIMetrics: api})
	reg := prometheus.NewRegistry()
	reg.MustRegister(e.WithContext(context.Background()))
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

var metricName = regexp.MustCompile(`\btrro_[a-z_]+\b`)

type rulesFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// loadRules reads the alerting rules, and with records the recording rules
// after them.
func loadRules(t *testing.T, records ...bool) rulesFile {
	t.Helper()
	var all rulesFile
	files := []string{"prometheus/trro-alerts.yml"}
	if len(records) > 0 && records[0] {
		files = append(files, "prometheus/trro-rules.yml")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r rulesFile
		if err := yaml.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		all.Groups = append(all.Groups, r.Groups...)
	}
	return all
}

func TestEveryUsedMetricIsExported(t *testing.T) {
	exported := exportedMetrics(t)
	var exprs []string
	for _, d := range loadDashboards(t) {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				exprs = append(exprs, tg.Expr)
			}
		}
	}
	for _, g := range loadRules(t, true).Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	used := map[string]bool{}
	for _, e := range exprs {
		for _, m := range metricName.FindAllString(e, -1) {
			used[m] = true
			if !exported[m] {
				t.Errorf("%s is used but not exported: %s", m, e)
			}
		}
	}
	if len(used) < 15 {
		t.Fatalf("only %d trro metrics found in queries; the regexp is broken", len(used))
	}
}

func TestAlertConventions(t *testing.T) {
	r := loadRules(t)
	for _, g := range r.Groups {
		for _, rule := range g.Rules {
			if !regexp.MustCompile(`^Trro[A-Z][A-Za-z]+$`).MatchString(rule.Alert) {
				t.Errorf("alert %q: want CamelCase with the Trro prefix", rule.Alert)
			}
			switch rule.Labels["severity"] {
			case "critical", "warning", "info":
			default:
				t.Errorf("%s: severity %q", rule.Alert, rule.Labels["severity"])
			}
			a := rule.Annotations
			if a["summary"] == "" || strings.Contains(a["summary"], "{{") {
				t.Errorf("%s: summary must be static and present", rule.Alert)
			}
			if !strings.Contains(a["description"], "{{") {
				t.Errorf("%s: description must be templated", rule.Alert)
			}
			anchor := strings.ToLower(rule.Alert)
			if a["runbook_url"] != "https://github.com/trro-exporter/trro_exporter/blob/main/docs/runbook.md#"+anchor {
				t.Errorf("%s: runbook_url %q", rule.Alert, a["runbook_url"])
			}
			runbook, _ := os.ReadFile("../docs/runbook.md")
			if !strings.Contains(string(runbook), "\n## "+rule.Alert+"\n") {
				t.Errorf("%s: no runbook section", rule.Alert)
			}
		}
	}
}

func TestPromtoolRules(t *testing.T) {
	p := testtool.Promtool(t)
	if out, err := exec.Command(p, "check", "rules", "prometheus/trro-alerts.yml", "prometheus/trro-rules.yml").CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	tests, _ := filepath.Glob("prometheus/tests/*.yml")
	if len(tests) < 4 {
		t.Fatalf("only %d rule test files", len(tests))
	}
	out, err := exec.Command(p, append([]string{"test", "rules"}, tests...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "SUCCESS"); n != len(tests) {
		t.Fatalf("%d of %d rule test files passed:\n%s", n, len(tests), out)
	}
}

func TestYAMLFilesParseAndReferenceExistingFiles(t *testing.T) {
	files, _ := filepath.Glob("*/*.y*ml")
	more, _ := filepath.Glob("../grafana/provisioning/*/*.yml")
	files = append(files, more...)
	sort.Strings(files)
	if len(files) < 12 {
		t.Fatalf("only %d YAML files: %v", len(files), files)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		for {
			var v any
			if err := dec.Decode(&v); err != nil {
				if err.Error() != "EOF" {
					t.Errorf("%s: %v", f, err)
				}
				break
			}
		}
	}
	// kustomization resources and generated files exist; the generated
	// config is valid; the image is pinned to VERSION; the ServiceMonitor
	// carries the label kube-prometheus-stack selects on.
	var k struct {
		Resources  []string `yaml:"resources"`
		Generators []struct {
			Files []string `yaml:"files"`
		} `yaml:"configMapGenerator"`
	}
	raw, _ := os.ReadFile("kubernetes/kustomization.yaml")
	yaml.Unmarshal(raw, &k)
	if len(k.Generators) != 1 {
		t.Errorf("kustomization: %d configMapGenerators, want the config's", len(k.Generators))
	}
	for _, g := range k.Generators {
		k.Resources = append(k.Resources, g.Files...)
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(filepath.Join("kubernetes", r)); err != nil {
			t.Errorf("kustomization resource %s: %v", r, err)
		}
	}
	if _, err := config.LoadFile("kubernetes/config.yml", collector.Schema()); err != nil {
		t.Errorf("kubernetes config: %v", err)
	}
	version, _ := os.ReadFile("../VERSION")
	if raw, _ := os.ReadFile("kubernetes/deployment.yaml"); !strings.Contains(string(raw), "image: ghcr.io/trro-exporter/trro_exporter:"+strings.TrimSpace(string(version))+"\n") {
		t.Errorf("the Deployment's image is not pinned to VERSION %s", version)
	}
	if raw, _ := os.ReadFile("kubernetes/servicemonitor.yaml"); !strings.Contains(string(raw), "release: ") {
		t.Error("the ServiceMonitor has no release label")
	}
	var c struct {
		Services map[string]struct {
			Volumes []string `yaml:"volumes"`
			Build   string   `yaml:"build"`
		} `yaml:"services"`
	}
	raw, _ = os.ReadFile("docker-compose/docker-compose.yml")
	if err := yaml.Unmarshal(raw, &c); err != nil || len(c.Services) != 4 {
		t.Fatalf("compose file: %v, %d services", err, len(c.Services))
	}
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, ".") {
				if _, err := os.Stat(filepath.Join("docker-compose", src)); err != nil {
					t.Errorf("compose service %s mounts %s: %v", name, src, err)
				}
			}
		}
		if s.Build != "" {
			if _, err := os.Stat(filepath.Join("docker-compose", s.Build, "Dockerfile")); err != nil {
				t.Errorf("compose service %s builds %s: %v", name, s.Build, err)
			}
		}
	}
}
