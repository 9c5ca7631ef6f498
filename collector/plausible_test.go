package collector_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

// Values the API cannot mean are dropped, not exported as facts, and
// counted by field and reason.
func TestImplausibleValuesAreDropped(t *testing.T) {
	f := fixtureFleet()
	f.Devices = []standin.Device{
		// The vendor's own GetDevices example: ExpireTime 167840945 (1975).
		{ProjectID: "proj0000000000aa", ID: "dev-1975", Name: "Example", Type: "field", Status: "ready", LastReportTime: "2150-01-01 00:00:00",
			LicenseCount: -5, ExpireTime: 167840945, RemainDay: 82, MonthlyRemainTime: -10, LimitedTime: 60000},
		{ProjectID: "proj0000000000aa", ID: "dev-ok", Name: "Fine", Type: "field", Status: "ready", LastReportTime: "1795689000",
			LicenseCount: 1, ExpireTime: 1800000000, RemainDay: -3, MonthlyRemainTime: 600, LimitedTime: 6000},
	}
	f.Licenses = []standin.LicenseGroup{
		{Count: -5, Status: 1, ExpireTime: 4102444800, RemainDay: 10, LicenseIDs: []string{"lic-2100", "lic-x"}},
	}
	e := newEnv(t, f, envOpts{collectors: []string{"devices", "device_status", "licenses"}})
	_, body := e.scrape(t, "")
	for _, absent := range []string{
		`trro_device_license_expiry_timestamp_seconds{device_id="dev-1975"`,
		`trro_device_license_remaining_seconds{device_id="dev-1975"`, // tied to the implausible expiry
		`trro_device_licenses{device_id="dev-1975"`,
		`trro_device_monthly_remaining_seconds{device_id="dev-1975"`,
		`trro_device_last_report_timestamp_seconds{device_id="dev-1975"`,
		`trro_device_license_remaining_seconds{device_id="dev-ok"`,
		`trro_license_expiry_timestamp_seconds{license_id="lic-2100"`,
	} {
		if strings.Contains(body, absent) {
			t.Errorf("exported: %s", absent)
		}
	}
	for _, want := range []string{
		`trro_device_monthly_limit_seconds{device_id="dev-1975",project_id="proj0000000000aa"} 3600000`,
		`trro_device_license_expiry_timestamp_seconds{device_id="dev-ok",project_id="proj0000000000aa"} 1800000000`,
		// Count -5 is dropped: the group's two ids are counted instead.
		`trro_licenses{status="bound"} 2`,
		`trro_license_remaining_seconds{license_id="lic-2100",status="bound"} 864000`,
		`trro_dropped_values_total{field="ExpireTime",reason="implausible"} 2`,
		`trro_dropped_values_total{field="LicenseCount",reason="negative"} 1`,
		`trro_dropped_values_total{field="MonthlyRemainTime",reason="negative"} 1`,
		`trro_dropped_values_total{field="RemainDay",reason="negative"} 1`,
		`trro_dropped_values_total{field="Count",reason="negative"} 1`,
		`trro_dropped_values_total{field="LastReportTime",reason="implausible"} 1`,
		`trro_scrape_collector_success{collector="devices"} 1`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
}

// A list whose total is -1, 0 or null is paged until a short or empty
// page: nothing is lost, and the collector says so when max_pages cuts it.
func TestListsWithoutAUsableTotal(t *testing.T) {
	for _, raw := range []string{"-1", "0", "null"} {
		t.Run(raw, func(t *testing.T) {
			e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses", "devices"}, client: func(o *trro.Options) { o.PageSize = 2 }})
			e.srv.MaxPageSize = 2
			e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultTotalRaw, Raw: raw})
			e.srv.SetFault("GetDevices", &standin.Fault{Kind: standin.FaultTotalRaw, Raw: raw})
			_, body := e.scrape(t, "")
			for _, want := range []string{
				// All five license groups (the repeat counted once).
				`trro_licenses{status="bound"} 2`, `trro_licenses{status="unknown"} 1`,
				`trro_license_expiry_timestamp_seconds{license_id="lic-e",status="unknown"} 1796000000`,
				// All four devices of project aa, over pages of two.
				`trro_device_licenses{device_id="dev-r2",project_id="proj0000000000aa"} 1`,
				`trro_collector_truncated{collector="licenses"} 0`,
				`trro_scrape_collector_success{collector="licenses"} 1`,
			} {
				if !hasLine(body, want) {
					t.Errorf("missing %s", want)
				}
			}
		})
	}
	// Cut short at max_pages: what was read is exported, and truncated.
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses"}, client: func(o *trro.Options) { o.PageSize, o.MaxPages = 1, 2 }})
	e.srv.MaxPageSize = 1
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultTotalRaw, Raw: "null"})
	_, body := e.scrape(t, "")
	for _, want := range []string{`trro_collector_truncated{collector="licenses"} 1`, `trro_scrape_collector_success{collector="licenses"} 1`,
		`trro_license_expiry_timestamp_seconds{license_id="lic-a",status="bound"} 1800000000`} {
		if !hasLine(body, want) {
			t.Errorf("cut short: missing %s", want)
		}
	}
}

// Devices that log in without registration are listed (RegisterType 1);
// an API that refuses the parameter is asked plainly, with one warning.
func TestUnregisteredDevices(t *testing.T) {
	fleet := func() *standin.Fleet {
		f := fixtureFleet()
		f.Devices = append(f.Devices, standin.Device{ProjectID: "proj0000000000aa", ID: "dev-free", Name: "Unregistered", Type: "field",
			Status: "ready", LastReportTime: "1795689000", Unregistered: true})
		return f
	}
	info := `trro_device_info{device_id="dev-free",device_name="Unregistered",device_type="field",project_id="proj0000000000aa"} 1`
	e := newEnv(t, fleet(), envOpts{collectors: []string{"device_status"}})
	if _, body := e.scrape(t, ""); !hasLine(body, info) {
		t.Errorf("an unregistered device is missing:\n%s", grep(body, "trro_device_info"))
	}
	e = newEnv(t, fleet(), envOpts{collectors: []string{"device_status"}, account: func(o *config.Account) {
		collector.SettingsOf[collector.RoundSettings](o).IncludeUnregisteredDevices = false
	}})
	if _, body := e.scrape(t, ""); strings.Contains(body, "dev-free") {
		t.Error("include_unregistered_devices: false still lists it")
	}
	var clock atomic.Int64
	e = newEnv(t, fleet(), envOpts{collectors: []string{"device_status"},
		clock: func() time.Time { return now.Add(time.Duration(clock.Load())) }})
	// A refusal that does not name RegisterType is an error, not a reason
	// to leave it out from then on.
	e.srv.SetFault("DescribeDeviceList", &standin.Fault{Kind: standin.FaultError, Code: "InvalidParameterValue", Times: 1})
	e.scrape(t, "")
	calls := e.srv.Calls("DescribeDeviceList")
	if _, body := e.scrape(t, ""); !hasLine(body, info) || e.srv.Calls("DescribeDeviceList")-calls != 2 {
		t.Errorf("after another invalid parameter, RegisterType is not asked again:\n%s", grep(body, "dev-free"))
	}
	e.srv.RejectRegisterType = true
	for i := range 2 {
		calls := e.srv.Calls("DescribeDeviceList")
		_, body := e.scrape(t, "")
		if !hasLine(body, `trro_scrape_collector_success{collector="device_status"} 1`) || !strings.Contains(body, `device_id="dev-f1"`) {
			t.Fatalf("scrape %d: the plain call did not serve:\n%s", i, grep(body, "success|device_info"))
		}
		// First scrape: refused, then plain, per project; then plain only.
		if n, want := e.srv.Calls("DescribeDeviceList")-calls, []int{4, 2}[i]; n != want {
			t.Errorf("scrape %d: %d DescribeDeviceList calls, want %d", i, n, want)
		}
	}
	if n := strings.Count(e.logs.String(), "refuses RegisterType"); n != 2 {
		t.Errorf("%d warnings, want one per project:\n%s", n, e.logs.String())
	}
	// A reload asks again at once: still refused, so the plain call
	// follows for each project.
	e.exp.ForgetRefusals()
	calls = e.srv.Calls("DescribeDeviceList")
	e.scrape(t, "")
	if n := e.srv.Calls("DescribeDeviceList") - calls; n != 4 {
		t.Errorf("after a reload: %d DescribeDeviceList calls, want RegisterType asked again (4)", n)
	}
	// An hour on, RegisterType is asked again: accepted now, the
	// unregistered device is back.
	e.srv.RejectRegisterType = false
	clock.Store(int64(61 * time.Minute))
	if _, body := e.scrape(t, ""); !hasLine(body, info) {
		t.Errorf("an hour after the refusal, the unregistered device is still missing:\n%s", grep(body, "trro_device_info"))
	}
}

// A project whose description and modify time arrive as numbers does not
// fail the project list, nor the collectors that discover projects with it.
func TestNumericProjectFields(t *testing.T) {
	f := fixtureFleet()
	f.Projects[0].NumericFields = true
	e := newEnv(t, f, envOpts{})
	_, body := e.scrape(t, "")
	for _, want := range []string{`trro_scrape_collector_success{collector="projects"} 1`, `trro_scrape_collector_success{collector="devices"} 1`,
		`trro_project_info{policy_mode="white",project_id="proj0000000000aa",project_name="露天矿远程挖掘"} 1`} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
}

// A list that ends (an empty page) before the total it reported is flagged
// as truncated, never silently short.
func TestShortListsAreTruncated(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"licenses", "device_status"}})
	if _, body := e.scrape(t, ""); !hasLine(body, `trro_collector_truncated{collector="licenses"} 0`) ||
		!hasLine(body, `trro_collector_truncated{collector="device_status"} 0`) {
		t.Fatalf("lists that end at their totals are flagged:\n%s", grep(body, "truncated"))
	}
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultTotal, Delta: 3})
	e.srv.SetFault("DescribeDeviceList", &standin.Fault{Kind: standin.FaultTotal, Delta: 1})
	_, body := e.scrape(t, "")
	for _, want := range []string{`trro_collector_truncated{collector="licenses"} 1`, `trro_collector_truncated{collector="device_status"} 1`,
		`trro_scrape_collector_success{collector="licenses"} 1`, `trro_scrape_collector_success{collector="device_status"} 1`} {
		if !hasLine(body, want) {
			t.Errorf("lists short of their totals: missing %s\n%s", want, grep(body, "truncated|success"))
		}
	}
}

// Sizing counts the device lists as the round reads them: with the devices
// that log in without registration when include_unregistered_devices asks
// for them, without them when it does not.
func TestSizingCountsUnregisteredDevices(t *testing.T) {
	for _, c := range []struct {
		include bool
		want    string
	}{{true, "7 devices listed"}, {false, "6 devices listed"}} {
		f := fixtureFleet()
		f.Devices = append(f.Devices, standin.Device{ProjectID: "proj0000000000aa", ID: "dev-free", Name: "Unregistered", Type: "field",
			Status: "ready", LastReportTime: "1795689000", Unregistered: true})
		e := newEnv(t, f, envOpts{collectors: []string{"device_status"}, account: func(o *config.Account) {
			collector.SettingsOf[collector.RoundSettings](o).IncludeUnregisteredDevices = c.include
		}})
		lists := e.exp.Lists()
		fleet, err := plan.Size(context.Background(), e.client, nil, nil, lists, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := fleet.Describe(lists); !strings.Contains(got, c.want) {
			t.Errorf("include_unregistered_devices %v: %s, want %s", c.include, got, c.want)
		}
	}
}
