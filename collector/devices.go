package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("devices", true, func(s Settings) Scraper { return newDevices(s) })
}

// devices exports each device's license binding from GetDevices.
type devices struct {
	guard                                              *guard
	licenses, expiry, remaining, monthlyLeft, monthMax *prometheus.Desc
}

func newDevices(s Settings) *devices {
	labels := []string{"project_id", "device_id"}
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "device", name), help, labels, nil)
	}
	return &devices{
		guard:       &guard{collector: "devices", limit: s.MaxDevicesPerProject, logger: s.Logger},
		licenses:    d("licenses", "Licenses bound to the device (GetDevices LicenseCount)."),
		expiry:      d("license_expiry_timestamp_seconds", "When the device's authorization (its bound licenses) expires, as a Unix timestamp."),
		remaining:   d("license_remaining_seconds", "Time the device's authorization has left as the API reports it (RemainDay × 86400)."),
		monthlyLeft: d("monthly_remaining_seconds", "Usage time left this month under the device's monthly limit (MonthlyRemainTime minutes × 60)."),
		monthMax:    d("monthly_limit_seconds", "The device's monthly usage limit (LimitedTime minutes × 60)."),
	}
}

func (d *devices) Name() string { return "devices" }

func (d *devices) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{d.licenses, d.expiry, d.remaining, d.monthlyLeft, d.monthMax} {
		ch <- desc
	}
}

func (d *devices) Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error {
	return scrapeDevices(ctx, r, d.guard, ch,
		func(pid string) ([]trro.DeviceLicense, bool, error) { return r.API.GetDevices(ctx, pid, d.guard.limit) },
		func(dev trro.DeviceLicense) string { return dev.DeviceID },
		func(pid string, dev trro.DeviceLicense) {
			gauge := func(desc *prometheus.Desc, v trro.Int, scale float64) {
				if v.Valid {
					ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(v.Value)*scale, pid, dev.DeviceID)
				}
			}
			gauge(d.licenses, dev.LicenseCount, 1)
			// A device without licenses reports ExpireTime 0: no expiry,
			// not an authorization that ended in 1970.
			if expiry := positive(dev.ExpireTime); expiry.Valid {
				gauge(d.expiry, expiry, 1)
				gauge(d.remaining, dev.RemainDay, 86400)
			}
			gauge(d.monthlyLeft, dev.MonthlyRemainTime, 60)
			gauge(d.monthMax, dev.LimitedTime, 60)
		})
}
