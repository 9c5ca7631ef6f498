package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("device_status", true, func(s Settings) Scraper { return newDeviceStatus(s) })
}

// deviceStates are the values of DescribeDeviceList's DeviceStatus; each is
// one series of the trro_device_status state set.
var deviceStates = []string{"offline", "ready", "connected"}

// deviceStatus exports devices, their live status and last report time.
type deviceStatus struct {
	guard                    *guard
	info, status, lastReport *prometheus.Desc
	badTimes                 prometheus.Counter
}

func newDeviceStatus(s Settings) *deviceStatus {
	return &deviceStatus{
		guard: &guard{collector: "device_status", limit: s.MaxDevicesPerProject, logger: s.Logger},
		info: prometheus.NewDesc(prometheus.BuildFQName(namespace, "device", "info"),
			"A TRRO device (DescribeDeviceList); device_type is field or remote. The value is always 1.",
			[]string{"project_id", "device_id", "device_name", "device_type"}, nil),
		status: prometheus.NewDesc(prometheus.BuildFQName(namespace, "device", "status"),
			"Device status as a state set: one series per status (offline, ready, connected), 1 for the current one.",
			[]string{"project_id", "device_id", "status"}, nil),
		lastReport: prometheus.NewDesc(prometheus.BuildFQName(namespace, "device", "last_report_timestamp_seconds"),
			"When the device last reported to TRRO, as a Unix timestamp.",
			[]string{"project_id", "device_id"}, nil),
		badTimes: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "unparseable_timestamps_total",
			Help:        "Timestamps from the API that matched no known format; their series were dropped.",
			ConstLabels: prometheus.Labels{"field": "LastReportTime"},
		}),
	}
}

func (d *deviceStatus) Name() string { return "device_status" }

func (d *deviceStatus) Describe(ch chan<- *prometheus.Desc) {
	ch <- d.info
	ch <- d.status
	ch <- d.lastReport
	d.badTimes.Describe(ch)
}

func (d *deviceStatus) Scrape(ctx context.Context, r *Round, ch chan<- prometheus.Metric) error {
	err := scrapeDevices(ctx, r, d.guard, ch,
		func(pid string) ([]trro.DeviceInfo, bool, error) {
			return r.API.DescribeDeviceList(ctx, pid, d.guard.limit)
		},
		func(dev trro.DeviceInfo) string { return dev.DeviceID },
		func(pid string, dev trro.DeviceInfo) { d.emit(ch, pid, dev) })
	ch <- d.badTimes
	return err
}

func (d *deviceStatus) emit(ch chan<- prometheus.Metric, projectID string, dev trro.DeviceInfo) {
	ch <- prometheus.MustNewConstMetric(d.info, prometheus.GaugeValue, 1, projectID, dev.DeviceID, dev.DeviceName, dev.DeviceType)
	// An unknown status sets every state to 0 rather than invent one.
	for _, s := range deviceStates {
		ch <- prometheus.MustNewConstMetric(d.status, prometheus.GaugeValue, boolValue(dev.DeviceStatus == s), projectID, dev.DeviceID, s)
	}
	if dev.LastReportTime == "" {
		return
	}
	if t, ok := trro.ParseTime(string(dev.LastReportTime)); ok {
		ch <- prometheus.MustNewConstMetric(d.lastReport, prometheus.GaugeValue, float64(t.UnixMilli())/1000, projectID, dev.DeviceID)
	} else {
		d.badTimes.Inc()
	}
}
