package collector

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
)

// Bucket upper bounds of the live-quality histograms.
var (
	latencyBuckets = []float64{0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5}
	lossBuckets    = []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5}
)

// Conversions of per-second points to base units.
func millis(v float64) float64      { return v / 1000 }
func percents(v float64) float64    { return v / 100 }
func kbpsToBytes(v float64) float64 { return v * 125 }
func same(v float64) float64        { return v }

// series is one per-point array of SessionDeviceDetail: which field, how a
// value becomes base units, and the largest plausible value after that
// (anything above, or below 0, is dropped as implausible). A device's state
// keeps what it read of a series under the field's name.
type series struct {
	field string
	read  func(*trro.SessionDeviceDetail) []trro.Num
	conv  func(float64) float64
	max   float64
}

// pointHistogram is a histogram family observing one series, a point each.
type pointHistogram struct {
	fam *Family
	series
}

// pointGauge is a gauge family holding a series' latest point.
type pointGauge struct {
	fam *Family
	series
}

// stutterSeries is a series of stutter time over a threshold, the
// threshold label beside it.
type stutterSeries struct {
	threshold string
	series
}

// detailFamilies are session_details' families, each beside the API
// series it reads.
type detailFamilies struct {
	hists                   []pointHistogram
	gauges                  []pointGauge
	stutter                 []stutterSeries
	linkRtt, linkLoss       series
	points, stutterSeconds  *Family
	linkRttFam, linkLossFam *Family
	liveStart               *Family
}

var (
	deviceLabels = []string{"project_id", "device_id", "device_type"}
	linkLabels   = append(slices.Clone(deviceLabels), "net_id")
)

func newDetailFamilies() detailFamilies {
	type d = trro.SessionDeviceDetail
	const hour = 3600
	h := func(name, help string, buckets []float64, field string, read func(*d) []trro.Num, conv func(float64) float64, max float64) pointHistogram {
		return pointHistogram{histogramFamily("trro_session_"+name, help, buckets, deviceLabels...), series{field, read, conv, max}}
	}
	g := func(name, help, field string, read func(*d) []trro.Num, conv func(float64) float64, max float64) pointGauge {
		return pointGauge{gaugeFamily("trro_session_"+name, help, deviceLabels...), series{field, read, conv, max}}
	}
	return detailFamilies{
		hists: []pointHistogram{
			h("video_latency_seconds", "Video latency of devices in session, one observation per second of session (DescribeDeviceSessionDetails VideoLatency ms ÷ 1000).",
				latencyBuckets, "VideoLatency", func(x *d) []trro.Num { return x.VideoLatency }, millis, hour),
			h("network_latency_seconds", "Network latency of devices in session, one observation per second (NetworkLatency ms ÷ 1000).",
				latencyBuckets, "NetworkLatency", func(x *d) []trro.Num { return x.NetworkLatency }, millis, hour),
			h("control_latency_seconds", "Round trip of control messages between field and remote device, one observation per second (ControlLatency ms ÷ 1000).",
				latencyBuckets, "ControlLatency", func(x *d) []trro.Num { return x.ControlLatency }, millis, hour),
			h("packet_loss_ratio", "Packet loss of devices in session, 0 to 1, one observation per second (Lost % ÷ 100).",
				lossBuckets, "Lost", func(x *d) []trro.Num { return x.Lost }, percents, 1),
		},
		gauges: []pointGauge{
			g("frames_per_second", "Video frame rate at the device's latest point in session (Fps); absent when not in session.",
				"Fps", func(x *d) []trro.Num { return x.Fps }, same, 1000),
			g("bitrate_bytes_per_second", "Video bitrate at the device's latest point in session (Rate kbps × 1000 ÷ 8: bytes, the base unit); absent when not in session.",
				"Rate", func(x *d) []trro.Num { return x.Rate }, kbpsToBytes, 1e10),
			g("cpu_usage_ratio", "CPU use of the device at its latest point in session, 0 to 1 (CpuUsed % ÷ 100); absent when not in session.",
				"CpuUsed", func(x *d) []trro.Num { return x.CPUUsed }, percents, 1),
			g("memory_usage_ratio", "Memory use of the device at its latest point in session, 0 to 1 (MemUsed % ÷ 100); absent when not in session.",
				"MemUsed", func(x *d) []trro.Num { return x.MemUsed }, percents, 1),
		},
		// The API does not state the unit of Lag*Duration; points are one
		// second apart, and the values seen fit milliseconds of that second.
		stutter: []stutterSeries{
			{"100ms", series{"Lag100Duration", func(x *d) []trro.Num { return x.Lag100Duration }, millis, hour}},
			{"150ms", series{"Lag150Duration", func(x *d) []trro.Num { return x.Lag150Duration }, millis, hour}},
		},
		linkRtt:  series{"MultiNet.Rtt", nil, millis, hour},
		linkLoss: series{"MultiNet.Lost", nil, percents, 1},
		points: newFamily("trro_session_detail_points_total",
			"Per-second points of the device's sessions counted so far (DescribeDeviceSessionDetails).",
			prometheus.CounterValue, deviceLabels...),
		stutterSeconds: newFamily("trro_session_stutter_seconds_total",
			"Stutter time of the device's video: seconds with frame gaps over the threshold (Lag100Duration, Lag150Duration, read as ms).",
			prometheus.CounterValue, append(slices.Clone(deviceLabels), "threshold")...),
		linkRttFam: histogramFamily("trro_session_link_rtt_seconds",
			"Round trip time of each network link of multi-network devices in session, one observation per second (MultiNet Rtt ms ÷ 1000).",
			latencyBuckets, linkLabels...),
		linkLossFam: histogramFamily("trro_session_link_packet_loss_ratio",
			"Packet loss of each network link of multi-network devices in session, 0 to 1, one observation per second (MultiNet Lost % ÷ 100).",
			lossBuckets, linkLabels...),
		liveStart: gaugeFamily("trro_live_session_start_timestamp_seconds",
			"When each live session started: who drives what, right now (DescribeRecentSessionList).",
			"project_id", "field_device_id", "remote_device_id", "resolution"),
	}
}

func (f *detailFamilies) families() []*Family {
	var fs []*Family
	for _, h := range f.hists {
		fs = append(fs, h.fam)
	}
	for _, g := range f.gauges {
		fs = append(fs, g.fam)
	}
	return append(fs, f.points, f.stutterSeconds, f.linkRttFam, f.linkLossFam, f.liveStart)
}
