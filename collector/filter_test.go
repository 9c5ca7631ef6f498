package collector_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
)

func TestProjectIncludeExclude(t *testing.T) {
	for _, c := range []struct {
		name             string
		include, exclude string
	}{
		{"include", "Harbour.*", ""},
		{"exclude", "", "露天.*"},
		{"exclude wins", "Harbour.*|露天矿远程挖掘", "露天.*"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"projects", "sessions", "devices"}, account: func(o *config.Account) {
				if c.include != "" {
					o.Include = c.include
				}
				if c.exclude != "" {
					o.Exclude = c.exclude
				}
			}})
			_, body := e.scrape(t, "")
			for _, want := range []string{
				`trro_project_info{policy_mode="black",project_id="proj0000000000bb",project_name="Harbour cranes"} 1`,
				`trro_sessions{interval="hour",project_id="proj0000000000bb",window="current"} 1`,
				`trro_device_licenses{device_id="dev-b1",project_id="proj0000000000bb"} 1`,
			} {
				if !hasLine(body, want) {
					t.Errorf("missing %s", want)
				}
			}
			if strings.Contains(body, "proj0000000000aa") {
				t.Errorf("the filtered-out project is exported:\n%s", body)
			}
			// Its project was never asked about.
			if n := e.srv.Calls("GetDevices"); n != 1 {
				t.Errorf("GetDevices calls = %d, want 1 (the kept project)", n)
			}
		})
	}
}

func TestDeviceExclude(t *testing.T) {
	// dev-r1 by id, dev-f2 by its name.
	e := newEnv(t, fixtureFleet(), envOpts{account: func(o *config.Account) {
		o.DeviceExclude = `dev-r1|Excavator 2`
	}})
	_, body := e.scrape(t, "")
	for _, want := range []string{
		`trro_device_licenses{device_id="dev-f1",project_id="proj0000000000aa"} 1`,
		`trro_device_status{device_id="dev-f1",project_id="proj0000000000aa",status="connected"} 1`,
		`trro_device_licenses{device_id="dev-b1",project_id="proj0000000000bb"} 1`,
		// Every session of the fixture has dev-r1 at the remote end.
		`trro_recent_sessions{project_id="proj0000000000aa"} 0`,
		`trro_active_sessions{project_id="proj0000000000bb"} 0`,
		`trro_scrape_collector_success{collector="device_status"} 1`,
		`trro_scrape_collector_success{collector="recent_sessions"} 1`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, `"dev-r1"`) || strings.Contains(l, `"dev-f2"`) || strings.Contains(l, "Excavator 2") {
			t.Errorf("an excluded device is exported: %s", l)
		}
	}
	// device_status and the filter share one device list per project.
	if n := e.srv.Calls("DescribeDeviceList"); n != 2 {
		t.Errorf("DescribeDeviceList calls = %d, want 2 (one per project)", n)
	}
}

// Without device_exclude no device list is read for it.
func TestNoDeviceExcludeNoDeviceList(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"recent_sessions", "devices"}})
	e.scrape(t, "")
	if n := e.srv.Calls("DescribeDeviceList"); n != 0 {
		t.Errorf("DescribeDeviceList calls = %d, want 0", n)
	}
}

// An account's labels come first in every series, on both paths.
func TestAccountLabels(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"projects", "licenses"}, account: func(o *config.Account) {
		o.Name, o.Labels = "acme", map[string]string{"customer": `Acme "North"`, "site": "pit-3"}
	}})
	_, body := e.scrape(t, "")
	for _, want := range []string{
		`trro_up{account="acme",customer="Acme \"North\"",site="pit-3"} 1`,
		`trro_project_info{account="acme",customer="Acme \"North\"",site="pit-3",policy_mode="black",project_id="proj0000000000bb",project_name="Harbour cranes"} 1`,
		`trro_api_request_duration_seconds_count{account="acme",customer="Acme \"North\"",site="pit-3",action="GetLicenses"} 1`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s\n%s", want, body)
		}
	}
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "trro_") && !strings.Contains(l, `account="acme"`) {
			t.Errorf("a series without the account: %s", l)
		}
	}
	for _, bad := range []map[string]string{{"project_id": "x"}, {"account": "x"}, {"1x": "y"}, {"ok": ""}} {
		acc := config.Default(collector.Schema()).Accounts[0]
		acc.Labels = bad
		if err := acc.Validate(collector.Schema()); err == nil {
			t.Errorf("labels %v accepted", bad)
		}
	}
}

// Two accounts on one page: every family once, holding the series of both,
// exactly the series each account's own page has.
func TestTwoAccountsOnePage(t *testing.T) {
	var exporters []*collector.Exporter
	var pages []map[string]bool
	for _, name := range []string{"north", "south"} {
		e := newEnv(t, fixtureFleet(), envOpts{account: func(o *config.Account) {
			o.Name = name
			if name == "north" {
				o.Labels = map[string]string{"site": "pit-3"}
			}
		}})
		exporters = append(exporters, e.exp)
		// The account's own page, as /probe serves it: its rounds are
		// shared, so the page below reuses nothing but the exporters.
		_, body := e.scrape(t, "")
		pages = append(pages, seriesOf(t, body))
	}
	h := collector.Handler(func() []*collector.Exporter { return exporters }, prometheus.NewRegistry(), collector.HandlerOptions{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	both := seriesOf(t, rec.Body.String())
	want := 0
	for _, p := range pages {
		for s := range p {
			// Counters and timings move between scrapes: compare names
			// and labels only.
			if !both[s] {
				t.Errorf("missing from the shared page: %s", s)
			}
			want++
		}
	}
	if len(both) != want {
		t.Errorf("shared page has %d series, the accounts' pages %d", len(both), want)
	}
}

// seriesOf parses a page (failing on a family written twice) and returns
// its series as name{labels}.
func seriesOf(t *testing.T, page string) map[string]bool {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(page))
	if err != nil {
		t.Fatalf("page does not parse: %v", err)
	}
	out := map[string]bool{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			out[name+"{"+strings.Join(ls, ",")+"}"] = true
		}
	}
	return out
}
