package collector

import (
	"context"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

func init() {
	registerCollector("device_status", true, func(a *config.Account, sh shared) Scraper {
		return newDeviceStatus(SettingsOf[RoundSettings](a).MaxDevicesPerProject, sh)
	})
}

// deviceStates are the values of DescribeDeviceList's DeviceStatus; each is
// one series of the trro_device_status state set.
var deviceStates = []string{"offline", "ready", "connected"}

// deviceStatus exports devices, their live status and last report time.
type deviceStatus struct {
	guard                    *guard
	drops                    *drops
	info, status, lastReport *Family
}

func newDeviceStatus(maxDevices int, sh shared) *deviceStatus {
	return &deviceStatus{
		guard: &guard{collector: "device_status", limit: maxDevices, logger: sh.logger},
		drops: sh.drops,
		info: gaugeFamily("trro_device_info",
			"A TRRO device (DescribeDeviceList); device_type is field or remote. The value is always 1.",
			"project_id", "device_id", "device_name", "device_type"),
		status: gaugeFamily("trro_device_status",
			"Device status as a state set: one series per status (offline, ready, connected), 1 for the current one.",
			"project_id", "device_id", "status"),
		lastReport: gaugeFamily("trro_device_last_report_timestamp_seconds",
			"When the device last reported to TRRO, as a Unix timestamp.",
			"project_id", "device_id"),
	}
}

func (d *deviceStatus) Name() string { return "device_status" }

func (d *deviceStatus) Families() []*Family {
	return []*Family{d.info, d.status, d.lastReport}
}

func (d *deviceStatus) Demand(f plan.Fleet, s Sizing) []plan.Demand {
	// The round's device lists, shared with device_exclude.
	return append(discovery(f, s), deviceListDemand(f, s))
}

// deviceStatusRow is what is kept of a DescribeDeviceList item.
type deviceStatusRow struct {
	id, name, typ, status string
	lastReport            float64 // Unix seconds; 0 when missing or unparseable
}

type deviceStatusResult struct {
	*deviceRows[deviceStatusRow]
	d *deviceStatus
}

func (d *deviceStatus) Fetch(ctx context.Context, r *Round) (Result, error) {
	rows, err := fetchDevices(ctx, r, d.guard,
		func(pid string) ([]trro.DeviceInfo, bool, error) { return r.Devices(ctx, pid) },
		func(dev *trro.DeviceInfo) string { return string(dev.DeviceID) },
		func(dev *trro.DeviceInfo) deviceStatusRow {
			row := deviceStatusRow{id: string(dev.DeviceID), name: string(dev.DeviceName), typ: string(dev.DeviceType), status: string(dev.DeviceStatus)}
			if dev.LastReportTime != "" {
				switch t, ok := trro.ParseTime(string(dev.LastReportTime)); {
				case !ok:
					d.drops.add("LastReportTime", "unparseable", 1)
				case plausibleTime(t.Unix()) != "":
					d.drops.add("LastReportTime", "implausible", 1)
				default:
					row.lastReport = float64(t.UnixMilli()) / 1000
				}
			}
			return row
		})
	return deviceStatusResult{rows, d}, err
}

func (res deviceStatusResult) Write(s Sink) {
	d := res.d
	res.each(func(pid string, row *deviceStatusRow) {
		s.Sample(d.info, 1, pid, row.id, row.name, row.typ)
	})
	res.each(func(pid string, row *deviceStatusRow) {
		// An unknown status sets every state to 0 rather than invent one.
		for _, st := range deviceStates {
			s.Sample(d.status, boolValue(row.status == st), pid, row.id, st)
		}
	})
	res.each(func(pid string, row *deviceStatusRow) {
		if row.lastReport > 0 {
			s.Sample(d.lastReport, row.lastReport, pid, row.id)
		}
	})
}
