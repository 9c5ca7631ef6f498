// Package mixin renders the monitoring mixin (mixin.libsonnet) into the
// files the repository ships: the Prometheus rule files, the Prometheus
// Operator's PrometheusRule, the Grafana dashboards and the Helm chart's
// copies of them. The mixin is the one source; `make mixin` writes the
// files and a test fails when the committed ones differ.
package mixin

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"github.com/google/go-jsonnet"
	"go.yaml.in/yaml/v3"
)

//go:embed *.libsonnet dashboards/*.libsonnet
var sources embed.FS

// Rule is one alerting or recording rule, its fields in the order a person
// reads them.
type Rule struct {
	Alert       string            `json:"alert,omitempty" yaml:"alert,omitempty"`
	Record      string            `json:"record,omitempty" yaml:"record,omitempty"`
	Expr        string            `json:"expr" yaml:"expr"`
	For         string            `json:"for,omitempty" yaml:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty" yaml:"annotations,omitempty"`
}

// Group is a rule group.
type Group struct {
	Name  string `json:"name" yaml:"name"`
	Rules []Rule `json:"rules" yaml:"rules"`
}

// Rules is a rule file's content.
type Rules struct {
	Groups []Group `json:"groups" yaml:"groups"`
}

// Mixin is the mixin evaluated.
type Mixin struct {
	Alerts     Rules                      `json:"prometheusAlerts"`
	Rules      Rules                      `json:"prometheusRules"`
	Dashboards map[string]json.RawMessage `json:"grafanaDashboards"`
}

// Evaluate evaluates the mixin, with override (a jsonnet object such as
// `{_config+:: {videoLatencyP95Seconds: 0.3}}`, or "") mixed in.
func Evaluate(override string) (*Mixin, error) {
	files := map[string]jsonnet.Contents{}
	err := fs.WalkDir(sources, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := sources.ReadFile(path)
		files[path] = jsonnet.MakeContents(string(b))
		return err
	})
	if err != nil {
		return nil, err
	}
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.MemoryImporter{Data: files})
	if override == "" {
		override = "{}"
	}
	out, err := vm.EvaluateAnonymousSnippet("render.jsonnet", `
local m = (import 'mixin.libsonnet') + (`+override+`);
{prometheusAlerts: m.prometheusAlerts, prometheusRules: m.prometheusRules, grafanaDashboards: m.grafanaDashboards}`)
	if err != nil {
		return nil, fmt.Errorf("evaluating the mixin: %w", err)
	}
	var m Mixin
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields() // a misspelt rule field is an error, not a rule without it
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("the mixin's output: %w", err)
	}
	return &m, nil
}

const rulesHeader = `# Generated from monitoring-mixin/ by ` + "`make mixin`" + `: edit the mixin, not this
# file. Thresholds are in monitoring-mixin/config.libsonnet.
`

// Files renders the mixin into the repository's files, by path from the
// repository's root.
func (m *Mixin) Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	alerts, err := yamlOf(m.Alerts)
	if err != nil {
		return nil, err
	}
	records, err := yamlOf(m.Rules)
	if err != nil {
		return nil, err
	}
	out["deploy/prometheus/trro-alerts.yml"] = append([]byte(rulesHeader+alertsNote), alerts...)
	out["deploy/prometheus/trro-rules.yml"] = append([]byte(rulesHeader), records...)

	all := Rules{Groups: append(append([]Group{}, m.Alerts.Groups...), m.Rules.Groups...)}
	spec, err := yamlOf(all)
	if err != nil {
		return nil, err
	}
	out["deploy/kubernetes/prometheusrule.yaml"] = append([]byte(prometheusRuleHead), indent(spec, "  ")...)
	out["deploy/helm/trro-exporter/files/rules.yaml"] = append([]byte(rulesHeader), spec...)

	names := make([]string, 0, len(m.Dashboards))
	for name := range m.Dashboards {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		// Through float64 and back, numbers are written as short as they
		// read (jsonnet writes 0.2 with 17 digits); jsonnet sorted the keys
		// already, as encoding/json does.
		var d any
		if err := json.Unmarshal(m.Dashboards[name], &d); err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", name, err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // PromQL's < and > as they are
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", name, err)
		}
		b := buf.Bytes()
		out["grafana/dashboards/"+name] = b
		out["deploy/helm/trro-exporter/files/dashboards/"+name] = b
	}
	return out, nil
}

const alertsNote = `#
# Every alert on the exporter's series keeps their account label and the
# account's static labels (the sums drop only the label they add up), and
# names the account in its description. Route warnings away when the
# critical of the same alert fires, and a device's authorization alert when
# its license's alert fires, with the inhibit rules in
# deploy/alertmanager/alertmanager.yml.
`

const prometheusRuleHead = `# The rules of monitoring-mixin/ for the Prometheus Operator, generated by
# ` + "`make mixin`" + `: edit the mixin, not this file.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: trro-exporter
  labels:
    # Match your Prometheus' ruleSelector.
    release: prometheus
spec:
`

func yamlOf(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

func indent(b []byte, prefix string) []byte {
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			out.WriteString(prefix)
		}
		out.Write(line)
	}
	return out.Bytes()
}
