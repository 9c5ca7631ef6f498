package chartcheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
)

const (
	chart      = "../trro-exporter"
	multiValue = "../trro-exporter/ci/multi-account-values.yaml"
	repo       = "../../.."
)

func helm(t *testing.T, args ...string) []byte {
	t.Helper()
	bin := os.Getenv("HELM")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("helm"); err != nil {
			t.Fatal("helm not found: make helm installs it (go install helm.sh/helm/v4/cmd/helm@v4.3.2), or set HELM")
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

// rendered is helm template's output, each object decoded strictly (an
// unknown field is an error) into its API type.
type rendered struct {
	deployments     []appsv1.Deployment
	services        []corev1.Service
	configMaps      []corev1.ConfigMap
	secrets         []corev1.Secret
	serviceAccounts []corev1.ServiceAccount
	serviceMonitors []monitoringv1.ServiceMonitor
	rules           []monitoringv1.PrometheusRule
}

func decode(t *testing.T, out []byte) rendered {
	t.Helper()
	var r rendered
	for _, doc := range bytes.Split(out, []byte("\n---")) {
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
		var err error
		switch meta.APIVersion + " " + meta.Kind {
		case " ":
			continue // a comment or an empty document
		case "apps/v1 Deployment":
			r.deployments = append(r.deployments, strict[appsv1.Deployment](doc, &err))
		case "v1 Service":
			r.services = append(r.services, strict[corev1.Service](doc, &err))
		case "v1 ConfigMap":
			r.configMaps = append(r.configMaps, strict[corev1.ConfigMap](doc, &err))
		case "v1 Secret":
			r.secrets = append(r.secrets, strict[corev1.Secret](doc, &err))
		case "v1 ServiceAccount":
			r.serviceAccounts = append(r.serviceAccounts, strict[corev1.ServiceAccount](doc, &err))
		case "monitoring.coreos.com/v1 ServiceMonitor":
			r.serviceMonitors = append(r.serviceMonitors, strict[monitoringv1.ServiceMonitor](doc, &err))
		case "monitoring.coreos.com/v1 PrometheusRule":
			r.rules = append(r.rules, strict[monitoringv1.PrometheusRule](doc, &err))
		default:
			t.Fatalf("an object of an unexpected kind: %s %s", meta.APIVersion, meta.Kind)
		}
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", meta.APIVersion, meta.Kind, err, doc)
		}
	}
	return r
}

func strict[T any](doc []byte, errp *error) T {
	var v T
	if err := yaml.UnmarshalStrict(doc, &v); err != nil && *errp == nil {
		*errp = err
	}
	return v
}

func TestLint(t *testing.T) {
	helm(t, "lint", "--strict", chart)
	helm(t, "lint", "--strict", chart, "--values", multiValue)
}

func version(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join(repo, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestDefaults(t *testing.T) {
	r := decode(t, helm(t, "template", "trro", chart, "--namespace", "monitoring"))
	if len(r.deployments) != 1 || len(r.services) != 1 || len(r.configMaps) != 1 || len(r.secrets) != 1 || len(r.serviceAccounts) != 1 {
		t.Fatalf("objects: %d deployments, %d services, %d config maps, %d secrets, %d service accounts",
			len(r.deployments), len(r.services), len(r.configMaps), len(r.secrets), len(r.serviceAccounts))
	}
	if n := len(r.serviceMonitors) + len(r.rules); n != 0 {
		t.Errorf("%d Prometheus Operator objects by default: the CRDs may be missing", n)
	}
	d := r.deployments[0]
	c := d.Spec.Template.Spec.Containers[0]
	v := version(t)
	if want := "ghcr.io/trro-exporter/trro_exporter:" + v; c.Image != want {
		t.Errorf("image %s, want %s (VERSION)", c.Image, want)
	}
	chartYAML, _ := os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	var meta struct{ Version, AppVersion string }
	if err := yaml.Unmarshal(chartYAML, &meta); err != nil || meta.Version != v || meta.AppVersion != v {
		t.Errorf("Chart.yaml version %q appVersion %q, VERSION %q (%v)", meta.Version, meta.AppVersion, v, err)
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem ||
		d.Spec.Template.Spec.SecurityContext == nil || d.Spec.Template.Spec.SecurityContext.RunAsNonRoot == nil {
		t.Error("the pod runs without the restricted security context")
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/-/ready" || c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/-/healthy" {
		t.Error("probes missing")
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef.Name != r.secrets[0].Name {
		t.Errorf("credentials come from %+v, the chart's Secret is %s", c.EnvFrom, r.secrets[0].Name)
	}
	// The rendered config is one the exporter accepts.
	if _, err := config.Parse([]byte(r.configMaps[0].Data["config.yml"]), collector.Schema()); err != nil {
		t.Errorf("the exporter refuses the chart's config: %v", err)
	}
	if d.Spec.Template.Annotations["checksum/config"] == "" {
		t.Error("no config checksum: an edit would not roll the pod")
	}
}

// A config edit changes the pod template (and so rolls the pod); an
// unrelated value does not.
func TestConfigEditRollsThePod(t *testing.T) {
	podOf := func(args ...string) map[string]string {
		r := decode(t, helm(t, append([]string{"template", "trro", chart}, args...)...))
		return r.deployments[0].Spec.Template.Annotations
	}
	base := podOf()
	if got := podOf("--set", "config.region=ap-shanghai"); got["checksum/config"] == base["checksum/config"] {
		t.Error("a config edit leaves the pod template as it was")
	}
	if got := podOf("--set", "credentials.env.TENCENTCLOUD_SECRET_KEY=other"); got["checksum/credentials"] == base["checksum/credentials"] {
		t.Error("a key change leaves the pod template as it was")
	}
	if got := podOf("--set", "service.port=9999"); !reflect.DeepEqual(got, base) {
		t.Errorf("a Service change rolls the pod: %v vs %v", got, base)
	}
}

func TestImageDigest(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	r := decode(t, helm(t, "template", "trro", chart, "--set", "image.digest="+digest))
	if got := r.deployments[0].Spec.Template.Spec.Containers[0].Image; got != "ghcr.io/trro-exporter/trro_exporter@"+digest {
		t.Errorf("image %s", got)
	}
}

func TestMultiAccount(t *testing.T) {
	r := decode(t, helm(t, "template", "trro", chart, "--namespace", "monitoring", "--values", multiValue))
	if len(r.secrets) != 0 {
		t.Errorf("%d Secrets created beside existingSecret", len(r.secrets))
	}
	c := r.deployments[0].Spec.Template.Spec.Containers[0]
	if c.EnvFrom[0].SecretRef.Name != "trro-credentials" {
		t.Errorf("credentials from %s", c.EnvFrom[0].SecretRef.Name)
	}
	var cm *corev1.ConfigMap
	dashboards := map[string]string{}
	for i := range r.configMaps {
		m := &r.configMaps[i]
		if _, ok := m.Data["config.yml"]; ok {
			cm = m
			continue
		}
		if m.Labels["grafana_dashboard"] != "1" || m.Annotations["grafana_folder"] != "TRRO" {
			t.Errorf("dashboard ConfigMap %s: labels %v annotations %v", m.Name, m.Labels, m.Annotations)
		}
		for k, v := range m.Data {
			dashboards[k] = v
		}
	}
	cfg, err := config.Parse([]byte(cm.Data["config.yml"]), collector.Schema())
	if err != nil {
		t.Fatalf("the exporter refuses the chart's config: %v", err)
	}
	if len(cfg.Accounts) != 2 || cfg.Accounts[0].Name != "acme" || cfg.Accounts[1].Region != "ap-singapore" {
		t.Errorf("accounts: %+v", cfg.Accounts)
	}

	// The dashboards are the mixin's, byte for byte.
	files, _ := filepath.Glob(filepath.Join(repo, "grafana/dashboards/*.json"))
	if len(files) != 4 || len(dashboards) != len(files) {
		t.Fatalf("%d dashboards in the chart, %d in grafana/dashboards", len(dashboards), len(files))
	}
	for _, f := range files {
		want, _ := os.ReadFile(f)
		if strings.TrimSpace(dashboards[filepath.Base(f)]) != strings.TrimSpace(string(want)) {
			t.Errorf("the chart's %s differs from grafana/dashboards", filepath.Base(f))
		}
	}

	// The ServiceMonitor: kube-prometheus-stack's release label, job="trro".
	if len(r.serviceMonitors) != 1 {
		t.Fatalf("%d ServiceMonitors", len(r.serviceMonitors))
	}
	sm := r.serviceMonitors[0]
	if sm.Labels["release"] != "prometheus" {
		t.Errorf("ServiceMonitor labels %v", sm.Labels)
	}
	rl := sm.Spec.Endpoints[0].RelabelConfigs
	if len(rl) == 0 || rl[0].TargetLabel != "job" || rl[0].Replacement == nil || *rl[0].Replacement != "trro" {
		t.Errorf("relabelings %+v: the alerts select job=\"trro\"", rl)
	}
	if !reflect.DeepEqual(sm.Spec.Selector.MatchLabels, r.services[0].Spec.Selector) {
		t.Errorf("ServiceMonitor selects %v, the Service is labelled by %v", sm.Spec.Selector.MatchLabels, r.services[0].Spec.Selector)
	}

	// The PrometheusRule holds the mixin's rule files' groups.
	if len(r.rules) != 1 || r.rules[0].Labels["release"] != "prometheus" {
		t.Fatalf("PrometheusRules: %d", len(r.rules))
	}
	var want monitoringv1.PrometheusRuleSpec
	for _, f := range []string{"deploy/prometheus/trro-alerts.yml", "deploy/prometheus/trro-rules.yml"} {
		b, _ := os.ReadFile(filepath.Join(repo, f))
		var spec monitoringv1.PrometheusRuleSpec
		if err := yaml.UnmarshalStrict(b, &spec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want.Groups = append(want.Groups, spec.Groups...)
	}
	if len(want.Groups) < 5 || !reflect.DeepEqual(r.rules[0].Spec, want) {
		t.Error("the chart's PrometheusRule differs from deploy/prometheus/trro-alerts.yml and trro-rules.yml")
	}
}

// The kustomize base is checked against the same API types.
func TestKustomizeObjects(t *testing.T) {
	for _, f := range []string{"deployment.yaml", "service.yaml", "servicemonitor.yaml", "prometheusrule.yaml", "secret.yaml"} {
		b, err := os.ReadFile(filepath.Join(repo, "deploy/kubernetes", f))
		if err != nil {
			t.Fatal(err)
		}
		decode(t, b)
	}
}
