package collector

import (
	"context"
	"slices"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("devices", true, func(a *config.Account, sh shared) Scraper {
		return newDevices(SettingsOf[RoundSettings](a).MaxDevicesPerProject, sh)
	})
}

// deviceLicenses are the GetDevices lists, as sizing counts them.
var deviceLicenses = plan.List{Action: trro.ActionGetDevices, PerProject: true, Items: "devices"}

// devices exports each device's license binding from GetDevices.
type devices struct {
	guard   *guard
	drops   *drops
	fields  fields[trro.DeviceLicense]
	binding *Family
}

func newDevices(maxDevices int, sh shared) *devices {
	g := func(name, help string) *Family {
		return gaugeFamily("trro_device_"+name, help, "project_id", "device_id")
	}
	type dev = trro.DeviceLicense
	// A device without licenses reports ExpireTime 0: no expiry, not an
	// authorization that ended in 1970, and no remaining time.
	expiry := func(d *dev) trro.Int { return positive(d.ExpireTime) }
	return &devices{
		guard: &guard{collector: "devices", limit: maxDevices, logger: sh.logger},
		drops: sh.drops,
		binding: gaugeFamily("trro_device_license_info",
			"A license bound to the device (GetDevices LicenseIds), with the device's name: joins a license's series (license_id) to the device it keeps running. The value is always 1.",
			"project_id", "device_id", "device_name", "license_id"),
		fields: fields[dev]{
			{g("licenses", "Licenses bound to the device (GetDevices LicenseCount)."),
				"LicenseCount", func(d *dev) trro.Int { return d.LicenseCount }, notNegative, asIs},
			{g("license_expiry_timestamp_seconds", "When the device's authorization (its bound licenses) expires, as a Unix timestamp."),
				"ExpireTime", expiry, plausibleTime, asIs},
			{g("license_remaining_seconds", "Time the device's authorization has left as the API reports it (RemainDay × 86400)."),
				"RemainDay", func(d *dev) trro.Int { return onlyIf(plausibleTime(expiry(d).Value) == "", d.RemainDay) }, notNegative, days},
			{g("monthly_remaining_seconds", "MonthlyRemainTime minutes × 60, read as the usage time left this month under the device's monthly limit. An assumption: the API documents the field only as the licence's monthly time limit, without unit, and its own example has it above LimitedTime; compare with trro_device_monthly_limit_seconds before trusting it."),
				"MonthlyRemainTime", func(d *dev) trro.Int { return d.MonthlyRemainTime }, notNegative, minutes},
			{g("monthly_limit_seconds", "The device's monthly usage limit (LimitedTime minutes × 60)."),
				"LimitedTime", func(d *dev) trro.Int { return d.LimitedTime }, notNegative, minutes},
		},
	}
}

// onlyIf is v when ok, else no value.
func onlyIf(ok bool, v trro.Int) trro.Int {
	if !ok {
		return trro.Int{}
	}
	return v
}

func (d *devices) Name() string        { return "devices" }
func (d *devices) Families() []*Family { return append(d.fields.families(), d.binding) }

func (d *devices) Demand(f plan.Fleet, s Sizing) []plan.Demand {
	return append(append(discovery(f, s), deviceFilterDemand(f, s)...),
		plan.Demand{Action: deviceLicenses.Action, Calls: plan.SumPages(f.Sizes(deviceLicenses), s.PageSize, d.guard.limit)})
}

// deviceLicenseRow is what is kept of a GetDevices item: its values in
// fields order.
type deviceLicenseRow struct {
	id, name string
	vals     []trro.Int
	licenses []string // bound license ids, sorted, each once
}

type devicesResult struct {
	*deviceRows[deviceLicenseRow]
	fields  fields[trro.DeviceLicense]
	binding *Family
}

func (d *devices) Fetch(ctx context.Context, r *Round) (Result, error) {
	rows, err := fetchDevices(ctx, r, d.guard,
		func(pid string) ([]trro.DeviceLicense, bool, error) { return r.API.GetDevices(ctx, pid, d.guard.limit) },
		func(dev *trro.DeviceLicense) string { return string(dev.DeviceID) },
		func(dev *trro.DeviceLicense) deviceLicenseRow {
			row := deviceLicenseRow{id: string(dev.DeviceID), name: string(dev.DeviceName), vals: d.fields.read(dev, d.drops)}
			for _, l := range dev.LicenseIDs {
				if l != "" {
					row.licenses = append(row.licenses, string(l))
				}
			}
			slices.Sort(row.licenses)
			row.licenses = slices.Compact(row.licenses)
			return row
		})
	return devicesResult{rows, d.fields, d.binding}, err
}

func (res devicesResult) Write(s Sink) {
	res.fields.write(s, func(yield func([]trro.Int, ...string)) {
		res.each(func(pid string, row *deviceLicenseRow) { yield(row.vals, pid, row.id) })
	})
	res.each(func(pid string, row *deviceLicenseRow) {
		for _, l := range row.licenses {
			s.Sample(res.binding, 1, pid, row.id, row.name, l)
		}
	})
}
