package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
)

// notInTheDemo are families the collector gather below does not show: the
// exporter's own (registered by main) and link throughput, which needs a
// multi-network device reporting SendBps. Each must still be in the code.
var notInTheDemo = map[string]string{
	"trro_exporter_build_info":                                   "gauge",
	"trro_exporter_config_last_reload_successful":                "gauge",
	"trro_exporter_config_last_reload_success_timestamp_seconds": "gauge",
	"trro_session_link_bytes_per_second":                         "gauge",
}

// The metrics page lists every family the exporter exports, with its type
// and labels as exported, and nothing it does not export.
func TestMetricsPageMatchesExport(t *testing.T) {
	page, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ typ, labels string }
	rows := map[string]row{}
	cell := regexp.MustCompile("`([a-z0-9_]+)`")
	for _, line := range strings.Split(string(page), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 7 || !strings.HasPrefix(strings.TrimSpace(cols[1]), "`trro_") {
			continue
		}
		// Label values in parentheses are notes, not labels.
		labels := regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(cols[4], "")
		var ls []string
		for _, m := range cell.FindAllStringSubmatch(labels, -1) {
			ls = append(ls, m[1])
		}
		sort.Strings(ls)
		for _, m := range cell.FindAllStringSubmatch(cols[1], -1) {
			rows[m[1]] = row{strings.TrimSpace(cols[2]), strings.Join(ls, ",")}
		}
	}
	if len(rows) < 50 {
		t.Fatalf("only %d families read from docs/metrics.md", len(rows))
	}
	seen := map[string]bool{}
	for _, mf := range exportedFamilies(t) {
		name := mf.GetName()
		seen[name] = true
		r, ok := rows[name]
		if !ok {
			t.Errorf("%s is exported but not on the metrics page", name)
			continue
		}
		if typ := strings.ToLower(mf.GetType().String()); !strings.Contains(r.typ, typ) {
			t.Errorf("%s: the metrics page says %q, it is a %s", name, r.typ, typ)
		}
		if got := exportedLabels(mf); got != r.labels {
			t.Errorf("%s: the metrics page lists labels %q, exported %q", name, r.labels, got)
		}
	}
	src := goSources(t)
	for name, r := range rows {
		if seen[name] {
			continue
		}
		typ, ok := notInTheDemo[name]
		switch {
		case !ok:
			t.Errorf("the metrics page lists %s, which is not exported", name)
		case r.typ != typ:
			t.Errorf("%s: the metrics page says %q, want %s", name, r.typ, typ)
		case !strings.Contains(src, strings.TrimPrefix(name, "trro_exporter_config_")):
			t.Errorf("%s is on the metrics page but nowhere in the code", name)
		}
	}
}

// exportedLabels are a family's label names, without account and the
// account's static labels (every trro_ series has them).
func exportedLabels(mf *dto.MetricFamily) string {
	set := map[string]bool{}
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			set[l.GetName()] = true
		}
	}
	var ls []string
	for l := range set {
		if l != "account" {
			ls = append(ls, l)
		}
	}
	sort.Strings(ls)
	return strings.Join(ls, ",")
}

func goSources(t *testing.T) string {
	var b strings.Builder
	for _, dir := range []string{"..", "../collector"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(raw)
		}
	}
	return b.String()
}

// The ready configs in examples/ are ones the exporter accepts.
func TestExamplesParse(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yml")
	if len(files) < 3 {
		t.Fatalf("%d example configs", len(files))
	}
	for _, f := range files {
		if _, err := config.LoadFile(f, collector.Schema()); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// The README is a quick start, and every relative link of it and of the
// docs leads to a file that exists.
func TestDocsLinks(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n > 300 {
		t.Errorf("README.md has %d lines: a quick start holds at most 300, the rest belongs in docs/", n)
	}
	pages, _ := filepath.Glob("../docs/*.md")
	pages = append(pages, "../README.md", "../monitoring-mixin/README.md", "../deploy/helm/trro-exporter/README.md")
	link := regexp.MustCompile(`\]\(([^)#:\s]+)(#[^)\s]*)?\)`)
	for _, p := range pages {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(raw), -1) {
			target := filepath.Join(filepath.Dir(p), m[1])
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s links to %s, which does not exist", p, m[1])
				continue
			}
			if m[2] != "" && strings.HasSuffix(target, ".md") && !hasAnchor(t, target, m[2][1:]) {
				t.Errorf("%s links to %s%s: no such heading", p, m[1], m[2])
			}
		}
	}
}

// hasAnchor tells whether a Markdown file has a heading GitHub gives the
// anchor.
func hasAnchor(t *testing.T, file, anchor string) bool {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		h = regexp.MustCompile(`[^\p{L}\p{N} _-]`).ReplaceAllString(h, "")
		if strings.ReplaceAll(h, " ", "-") == anchor {
			return true
		}
	}
	return false
}
