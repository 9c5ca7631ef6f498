package collector

import (
	"context"

	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("devices", true, func(s Settings) Scraper { return newDevices(s) })
}

// devices exports each device's license binding from GetDevices.
type devices struct {
	guard *guard
	// fams[k] carries value k of a deviceLicenseRow, times scale[k].
	fams  [5]*Family
	scale [5]float64
}

func newDevices(s Settings) *devices {
	d := func(name, help string) *Family {
		return gaugeFamily("trro_device_"+name, help, "project_id", "device_id")
	}
	return &devices{
		guard: &guard{collector: "devices", limit: s.MaxDevicesPerProject, logger: s.Logger},
		fams: [5]*Family{
			d("licenses", "Licenses bound to the device (GetDevices LicenseCount)."),
			d("license_expiry_timestamp_seconds", "When the device's authorization (its bound licenses) expires, as a Unix timestamp."),
			d("license_remaining_seconds", "Time the device's authorization has left as the API reports it (RemainDay × 86400)."),
			d("monthly_remaining_seconds", "Usage time left this month under the device's monthly limit (MonthlyRemainTime minutes × 60)."),
			d("monthly_limit_seconds", "The device's monthly usage limit (LimitedTime minutes × 60)."),
		},
		scale: [5]float64{1, 1, 86400, 60, 60},
	}
}

func (d *devices) Name() string        { return "devices" }
func (d *devices) Families() []*Family { return d.fams[:] }

// deviceLicenseRow is what is kept of a GetDevices item, in fams order.
type deviceLicenseRow struct {
	id string
	v  [5]trro.Int
}

type devicesResult struct {
	*deviceRows[deviceLicenseRow]
	d *devices
}

func (d *devices) Fetch(ctx context.Context, r *Round) (Result, error) {
	rows, err := fetchDevices(ctx, r, d.guard,
		func(pid string) ([]trro.DeviceLicense, bool, error) { return r.API.GetDevices(ctx, pid, d.guard.limit) },
		func(dev *trro.DeviceLicense) string { return dev.DeviceID },
		func(dev *trro.DeviceLicense) deviceLicenseRow {
			row := deviceLicenseRow{id: dev.DeviceID, v: [5]trro.Int{dev.LicenseCount, {}, {}, dev.MonthlyRemainTime, dev.LimitedTime}}
			// A device without licenses reports ExpireTime 0: no expiry,
			// not an authorization that ended in 1970.
			if expiry := positive(dev.ExpireTime); expiry.Valid {
				row.v[1], row.v[2] = expiry, dev.RemainDay
			}
			return row
		})
	return devicesResult{rows, d}, err
}

func (res devicesResult) Write(s *Sink) {
	for k, f := range res.d.fams {
		res.each(func(pid string, row *deviceLicenseRow) {
			if v := row.v[k]; v.Valid {
				s.Sample(f, float64(v.Value)*res.d.scale[k], pid, row.id)
			}
		})
	}
}
