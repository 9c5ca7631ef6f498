package collector_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
)

// seriesKey is a series as name{sorted labels}.
func seriesKey(name string, m *dto.Metric) string {
	pairs := slices.Clone(m.GetLabel())
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].GetName() < pairs[j].GetName() })
	var b strings.Builder
	b.WriteString(name)
	for _, p := range pairs {
		fmt.Fprintf(&b, ",%s=%q", p.GetName(), p.GetValue())
	}
	return b.String()
}

func value(m *dto.Metric) float64 {
	if m.Gauge != nil {
		return m.Gauge.GetValue()
	}
	return m.Counter.GetValue()
}

// flatten maps every series to its type and value.
func flatten(mfs map[string]*dto.MetricFamily) map[string]string {
	out := map[string]string{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[seriesKey(name, m)] = fmt.Sprintf("%s %s %v", mf.GetType(), mf.GetHelp(), value(m))
		}
	}
	return out
}

// TestTextMatchesCollector: the text /metrics writes straight from a round
// holds exactly the series, types, help and values the prometheus.Collector
// path gives for that same round, and the pedantic registry (duplicates,
// label consistency, descriptors) accepts the latter.
func TestTextMatchesCollector(t *testing.T) {
	fleet := fixtureFleet()
	// Names that need escaping in the text format.
	fleet.Devices = append(fleet.Devices, standin.Device{ProjectID: "proj0000000000bb", ID: `dev-"q"`,
		Name: "back\\slash \"quoted\"\nnew line 挖掘机", Type: "field", Status: "ready", LastReportTime: "1795689000",
		LicenseCount: 1, ExpireTime: 1800000000, RemainDay: 1, MonthlyRemainTime: 1, LimitedTime: 2})
	for i, collectors := range [][]string{collector.Names(), {"devices"}, collector.Names()} {
		t.Run(fmt.Sprint(i, strings.Join(collectors, ",")), func(t *testing.T) {
			e := newEnv(t, fleet, envOpts{collectors: collectors, account: func(o *config.Account) {
				if i == 2 { // an account with static labels
					o.Name, o.Labels = "acme", map[string]string{"customer": "Acme \"N\"\n", "site": "x"}
				}
			}})
			var text bytes.Buffer
			write, c := collector.FixedRound(context.Background(), e.exp)
			if err := write(&text); err != nil {
				t.Fatal(err)
			}
			parser := expfmt.NewTextParser(model.UTF8Validation)
			got, err := parser.TextToMetricFamilies(bytes.NewReader(text.Bytes()))
			if err != nil {
				t.Fatalf("text does not parse: %v\n%s", err, text.String())
			}
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(c)
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]*dto.MetricFamily{}
			for _, mf := range mfs {
				want[mf.GetName()] = mf
			}
			g, w := flatten(got), flatten(want)
			if len(w) < 20 {
				t.Fatalf("only %d series", len(w))
			}
			for k, v := range w {
				if g[k] != v {
					t.Errorf("%s: text has %q, collector %q", k, g[k], v)
				}
			}
			for k := range g {
				if _, ok := w[k]; !ok {
					t.Errorf("%s only in the text", k)
				}
			}
			if !strings.Contains(text.String(), `device_id="dev-\"q\""`) ||
				len(collectors) > 1 && !strings.Contains(text.String(), `device_name="back\\slash \"quoted\"\nnew line 挖掘机"`) {
				t.Errorf("label value not escaped as the format wants:\n%s", text.String())
			}
		})
	}
}

func TestSampleTextValuesAndEscaping(t *testing.T) {
	values := []float64{0, 1, -1, 1795689660, 0.75, 1e-300, 1 << 60, math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1)}
	var samples [][]string
	for i := range values {
		samples = append(samples, []string{fmt.Sprintf("b%02d", i), `a"\` + "\n"})
	}
	text := collector.SampleText("x_total", "help with \\ and\nnewline", true, []string{"zeta", "alpha"}, samples, values)
	if !strings.HasPrefix(text, "# HELP x_total help with \\\\ and\\nnewline\n# TYPE x_total counter\n") {
		t.Fatalf("header:\n%s", text)
	}
	// Labels come sorted by name, as client_golang writes them.
	if !strings.Contains(text, "\nx_total{alpha=\"a\\\"\\\\\\n\",zeta=\"b03\"} 1795689660\n") {
		t.Fatalf("sample line:\n%s", text)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	ms := mfs["x_total"].GetMetric()
	if len(ms) != len(values) {
		t.Fatalf("%d samples, want %d", len(ms), len(values))
	}
	for i, m := range ms {
		got, want := m.GetCounter().GetValue(), values[i]
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("sample %d: read back %v, wrote %v", i, got, want)
		}
		if m.GetLabel()[0].GetValue() != "a\"\\\n" {
			t.Errorf("label read back as %q", m.GetLabel()[0].GetValue())
		}
	}
}
