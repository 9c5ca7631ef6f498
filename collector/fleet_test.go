package collector_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

const wantFleet = `
# HELP trro_account_licenses Account-wide license counts by state (GetLicenseStat Bound, UnBound, Expire): the states do not overlap, so their sum is every license.
# TYPE trro_account_licenses gauge
trro_account_licenses{state="bound"} 4
trro_account_licenses{state="expired"} 3
trro_account_licenses{state="unbound"} 0
# HELP trro_account_monthly_exceeded_licenses Account-wide licenses over their monthly usage limit (GetLicenseStat MonthlyExpire): valid licenses, counted in their state too.
# TYPE trro_account_monthly_exceeded_licenses gauge
trro_account_monthly_exceeded_licenses 1
# HELP trro_account_valid_licenses Account-wide licenses still valid (GetLicenseStat Valid): the bound and unbound states together.
# TYPE trro_account_valid_licenses gauge
trro_account_valid_licenses 4
# HELP trro_active_sessions Sessions whose last update is within the active session window of the scrape: the live ones.
# TYPE trro_active_sessions gauge
trro_active_sessions{project_id="proj0000000000aa"} 1
trro_active_sessions{project_id="proj0000000000bb"} 1
# HELP trro_collector_truncated 1 if the collector exported only part in this scrape: it hit a cap (max_devices_per_project, max_licenses, max_live_sessions, max_session_devices), or a list without a usable total ran past max_pages, or a list ended before the total it reported.
# TYPE trro_collector_truncated gauge
trro_collector_truncated{collector="device_status"} 0
trro_collector_truncated{collector="devices"} 0
trro_collector_truncated{collector="licenses"} 0
trro_collector_truncated{collector="projects"} 0
trro_collector_truncated{collector="recent_sessions"} 0
trro_collector_truncated{collector="session_details"} 0
trro_collector_truncated{collector="session_quality"} 0
# HELP trro_device_info A TRRO device (DescribeDeviceList); device_type is field or remote. The value is always 1.
# TYPE trro_device_info gauge
trro_device_info{device_id="dev-b1",device_name="Crane 1",device_type="field",project_id="proj0000000000bb"} 1
trro_device_info{device_id="dev-f1",device_name="Excavator 1",device_type="field",project_id="proj0000000000aa"} 1
trro_device_info{device_id="dev-f2",device_name="Excavator 2",device_type="field",project_id="proj0000000000aa"} 1
trro_device_info{device_id="dev-r1",device_name="Console 1",device_type="remote",project_id="proj0000000000aa"} 1
trro_device_info{device_id="dev-r2",device_name="Console 2",device_type="remote",project_id="proj0000000000aa"} 1
# HELP trro_device_last_report_timestamp_seconds When the device last reported to TRRO, as a Unix timestamp.
# TYPE trro_device_last_report_timestamp_seconds gauge
trro_device_last_report_timestamp_seconds{device_id="dev-b1",project_id="proj0000000000bb"} 1.795689999e+09
trro_device_last_report_timestamp_seconds{device_id="dev-f1",project_id="proj0000000000aa"} 1.795689e+09
trro_device_last_report_timestamp_seconds{device_id="dev-f2",project_id="proj0000000000aa"} 1.7956872e+09
trro_device_last_report_timestamp_seconds{device_id="dev-r1",project_id="proj0000000000aa"} 1.79568894e+09
# HELP trro_device_license_expiry_timestamp_seconds When the device's authorization (its bound licenses) expires, as a Unix timestamp.
# TYPE trro_device_license_expiry_timestamp_seconds gauge
trro_device_license_expiry_timestamp_seconds{device_id="dev-b1",project_id="proj0000000000bb"} 1.81e+09
trro_device_license_expiry_timestamp_seconds{device_id="dev-f1",project_id="proj0000000000aa"} 1.8e+09
trro_device_license_expiry_timestamp_seconds{device_id="dev-r1",project_id="proj0000000000aa"} 1.796e+09
trro_device_license_expiry_timestamp_seconds{device_id="dev-r2",project_id="proj0000000000aa"} 1.797e+09
# HELP trro_device_license_remaining_seconds Time the device's authorization has left as the API reports it (RemainDay × 86400).
# TYPE trro_device_license_remaining_seconds gauge
trro_device_license_remaining_seconds{device_id="dev-b1",project_id="proj0000000000bb"} 1.728e+07
trro_device_license_remaining_seconds{device_id="dev-f1",project_id="proj0000000000aa"} 4.32e+06
trro_device_license_remaining_seconds{device_id="dev-r1",project_id="proj0000000000aa"} 259200
trro_device_license_remaining_seconds{device_id="dev-r2",project_id="proj0000000000aa"} 1.728e+06
# HELP trro_device_licenses Licenses bound to the device (GetDevices LicenseCount).
# TYPE trro_device_licenses gauge
trro_device_licenses{device_id="dev-b1",project_id="proj0000000000bb"} 1
trro_device_licenses{device_id="dev-f1",project_id="proj0000000000aa"} 1
trro_device_licenses{device_id="dev-f2",project_id="proj0000000000aa"} 0
trro_device_licenses{device_id="dev-r1",project_id="proj0000000000aa"} 2
trro_device_licenses{device_id="dev-r2",project_id="proj0000000000aa"} 1
# HELP trro_device_monthly_limit_seconds The device's monthly usage limit (LimitedTime minutes × 60).
# TYPE trro_device_monthly_limit_seconds gauge
trro_device_monthly_limit_seconds{device_id="dev-b1",project_id="proj0000000000bb"} 360000
trro_device_monthly_limit_seconds{device_id="dev-f1",project_id="proj0000000000aa"} 360000
trro_device_monthly_limit_seconds{device_id="dev-f2",project_id="proj0000000000aa"} 0
trro_device_monthly_limit_seconds{device_id="dev-r1",project_id="proj0000000000aa"} 36000
trro_device_monthly_limit_seconds{device_id="dev-r2",project_id="proj0000000000aa"} 36000
# HELP trro_device_monthly_remaining_seconds MonthlyRemainTime minutes × 60, read as the usage time left this month under the device's monthly limit. An assumption: the API documents the field only as the licence's monthly time limit, without unit, and its own example has it above LimitedTime; compare with trro_device_monthly_limit_seconds before trusting it.
# TYPE trro_device_monthly_remaining_seconds gauge
trro_device_monthly_remaining_seconds{device_id="dev-b1",project_id="proj0000000000bb"} 180000
trro_device_monthly_remaining_seconds{device_id="dev-f1",project_id="proj0000000000aa"} 36000
trro_device_monthly_remaining_seconds{device_id="dev-f2",project_id="proj0000000000aa"} 0
trro_device_monthly_remaining_seconds{device_id="dev-r1",project_id="proj0000000000aa"} 1800
trro_device_monthly_remaining_seconds{device_id="dev-r2",project_id="proj0000000000aa"} 0
# HELP trro_device_status Device status as a state set: one series per status (offline, ready, connected), 1 for the current one.
# TYPE trro_device_status gauge
trro_device_status{device_id="dev-b1",project_id="proj0000000000bb",status="connected"} 0
trro_device_status{device_id="dev-b1",project_id="proj0000000000bb",status="offline"} 0
trro_device_status{device_id="dev-b1",project_id="proj0000000000bb",status="ready"} 1
trro_device_status{device_id="dev-f1",project_id="proj0000000000aa",status="connected"} 1
trro_device_status{device_id="dev-f1",project_id="proj0000000000aa",status="offline"} 0
trro_device_status{device_id="dev-f1",project_id="proj0000000000aa",status="ready"} 0
trro_device_status{device_id="dev-f2",project_id="proj0000000000aa",status="connected"} 0
trro_device_status{device_id="dev-f2",project_id="proj0000000000aa",status="offline"} 1
trro_device_status{device_id="dev-f2",project_id="proj0000000000aa",status="ready"} 0
trro_device_status{device_id="dev-r1",project_id="proj0000000000aa",status="connected"} 0
trro_device_status{device_id="dev-r1",project_id="proj0000000000aa",status="offline"} 0
trro_device_status{device_id="dev-r1",project_id="proj0000000000aa",status="ready"} 1
trro_device_status{device_id="dev-r2",project_id="proj0000000000aa",status="connected"} 0
trro_device_status{device_id="dev-r2",project_id="proj0000000000aa",status="offline"} 0
trro_device_status{device_id="dev-r2",project_id="proj0000000000aa",status="ready"} 0
# HELP trro_recent_sessions Sessions active at some point in the last two hours (DescribeRecentSessionList).
# TYPE trro_recent_sessions gauge
trro_recent_sessions{project_id="proj0000000000aa"} 2
trro_recent_sessions{project_id="proj0000000000bb"} 1
# HELP trro_session_quality_duration_seconds Summed duration of the sessions that ended within the look-back, by quality.
# TYPE trro_session_quality_duration_seconds gauge
trro_session_quality_duration_seconds{project_id="proj0000000000aa",quality="bad"} 600
trro_session_quality_duration_seconds{project_id="proj0000000000aa",quality="good"} 3000
trro_session_quality_duration_seconds{project_id="proj0000000000aa",quality="normal"} 1200
trro_session_quality_duration_seconds{project_id="proj0000000000aa",quality="unknown"} 60
trro_session_quality_duration_seconds{project_id="proj0000000000bb",quality="bad"} 0
trro_session_quality_duration_seconds{project_id="proj0000000000bb",quality="good"} 0
trro_session_quality_duration_seconds{project_id="proj0000000000bb",quality="normal"} 0
# HELP trro_session_quality_sessions Sessions that ended within the look-back (session_quality_lookback), by quality: good, normal, bad, and unknown for other grades.
# TYPE trro_session_quality_sessions gauge
trro_session_quality_sessions{project_id="proj0000000000aa",quality="bad"} 1
trro_session_quality_sessions{project_id="proj0000000000aa",quality="good"} 1
trro_session_quality_sessions{project_id="proj0000000000aa",quality="normal"} 1
trro_session_quality_sessions{project_id="proj0000000000aa",quality="unknown"} 1
trro_session_quality_sessions{project_id="proj0000000000bb",quality="bad"} 0
trro_session_quality_sessions{project_id="proj0000000000bb",quality="good"} 0
trro_session_quality_sessions{project_id="proj0000000000bb",quality="normal"} 0
# HELP trro_dropped_values_total API values not exported, by API field and reason: unparseable (no known format), implausible (a time before 2022 or from 2100 on, a value out of its range), negative (a count or duration below zero); for session series also null, missing (array shorter than TimeOffset), no_time, outside_window, not_in_session (a device the session does not join).
# TYPE trro_dropped_values_total counter
trro_dropped_values_total{field="LastReportTime",reason="unparseable"} 1
trro_dropped_values_total{field="VideoLatency",reason="null"} 32
`

var fleetMetrics = []string{
	"trro_account_licenses", "trro_active_sessions", "trro_collector_truncated", "trro_device_info",
	"trro_device_last_report_timestamp_seconds", "trro_device_license_expiry_timestamp_seconds",
	"trro_device_license_remaining_seconds", "trro_device_licenses", "trro_device_monthly_limit_seconds",
	"trro_device_monthly_remaining_seconds", "trro_device_status", "trro_recent_sessions",
	"trro_session_quality_duration_seconds", "trro_session_quality_sessions", "trro_dropped_values_total",
}

func TestFleetExactValues(t *testing.T) {
	for _, mode := range []string{"numbers", "strings"} {
		t.Run(mode, func(t *testing.T) {
			// Pages of two: every list spans pages, repeats land on other pages.
			e := newEnv(t, fixtureFleet(), envOpts{client: func(o *trro.Options) { o.PageSize = 2 }})
			e.srv.MaxPageSize = 2
			e.srv.StringNumbers = mode == "strings"
			if err := testutil.CollectAndCompare(e.exp, strings.NewReader(wantFleet), fleetMetrics...); err != nil {
				t.Fatal(err)
			}
			for action, pages := range map[string]int{"GetDevices": 3 + 1, "DescribeDeviceList": 3 + 1, "DescribeDeviceSessionList": 3 + 1, "DescribeRecentSessionList": 2 + 1, "DescribeProjectList": 1} {
				if n := e.srv.Calls(action); n != pages {
					t.Errorf("%s: %d calls, want %d", action, n, pages)
				}
			}
		})
	}
}

func TestVanishedDeviceLeavesNoSeries(t *testing.T) {
	f := fixtureFleet()
	e := newEnv(t, f, envOpts{})
	// The device collectors' series; session series follow sessions.
	deviceSeries := func(body string) string {
		var b strings.Builder
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "trro_device_") {
				b.WriteString(l + "\n")
			}
		}
		return b.String()
	}
	_, body := e.scrape(t, "")
	body = deviceSeries(body)
	if !strings.Contains(body, `device_id="dev-r1"`) {
		t.Fatal("dev-r1 missing from the first scrape")
	}
	g := fixtureFleet()
	var kept []standin.Device
	for _, d := range g.Devices {
		if d.ID != "dev-r1" {
			kept = append(kept, d)
		}
	}
	g.Devices = kept
	e.srv.SetFleet(g)
	_, body = e.scrape(t, "")
	body = deviceSeries(body)
	if strings.Contains(body, `device_id="dev-r1"`) {
		t.Fatal("a device gone from the API is still exported")
	}
	if !strings.Contains(body, `device_id="dev-f1"`) {
		t.Fatal("the remaining devices vanished too")
	}
}

func TestCardinalityGuard(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{maxDevices: 2, client: func(o *trro.Options) { o.PageSize = 2 }})
	e.srv.MaxPageSize = 2
	for i := 0; i < 2; i++ {
		_, body := e.scrape(t, "")
		for _, want := range []string{`trro_collector_truncated{collector="devices"} 1`, `trro_collector_truncated{collector="device_status"} 1`,
			`trro_scrape_collector_success{collector="devices"} 1`} {
			if !hasLine(body, want) {
				t.Errorf("missing %s", want)
			}
		}
		// Project aa lists five items (one repeated): two fit.
		if n := strings.Count(body, "trro_device_licenses{device_id=\"dev-"); n != 2+1 {
			t.Errorf("%d devices exported, want 2 of aa + 1 of bb", n)
		}
	}
	// Two pages of two were enough: the guard also saves API calls.
	if n := e.srv.Calls("GetDevices"); n != 2*(1+1) {
		t.Errorf("GetDevices calls = %d, want 4 (one page of aa and one of bb, twice)", n)
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "project has more devices"); n != 2 {
		t.Errorf("guard logged %d times, want once per collector:\n%s", n, logs)
	}
}
