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
	// A pipeline stage takes milliseconds; a frame every 33 ms is 30 fps.
	stageBuckets    = []float64{0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25}
	frameGapBuckets = []float64{0.033, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2}
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

// pointHistogram is a histogram family observing one series, a point
// each; extra are its label values after the device's (a stage). A sparse
// one has series only for devices that reported its field: a console
// does not encode, a camera box does not render.
type pointHistogram struct {
	fam    *Family
	extra  []string
	sparse bool
	series
}

// pointGauge is a gauge family holding a series' latest point.
type pointGauge struct {
	fam *Family
	series
}

// pointCounter is a counter family summing a series over the points
// counted; extra are its label values after the device's (a threshold).
type pointCounter struct {
	fam   *Family
	extra []string
	series
}

// detailFamilies are session_details' families, each beside the API
// series it reads. Entries sharing a family are adjacent: a page writes a
// family's samples together.
type detailFamilies struct {
	hists                   []pointHistogram
	gauges                  []pointGauge
	counters                []pointCounter
	linkRtt, linkLoss       series
	linkRates               []linkRate
	points                  *Family
	linkRttFam, linkLossFam *Family
	linkBytes, resolution   *Family
	info, liveStart         *Family
}

// linkRate is one direction of a link's throughput.
type linkRate struct {
	direction string
	read      func(*trro.MultiNet) []trro.Num
	series
}

var (
	deviceLabels = []string{"project_id", "device_id", "device_type"}
	linkLabels   = append(slices.Clone(deviceLabels), "net_id")
)

// Plausibility bounds, in base units.
const (
	hour       = 3600
	maxMinute  = 60   // a pipeline stage, a frame gap: a minute is broken
	maxBytesPS = 1e10 // 80 Gbit/s
	maxNACK    = 1e6  // retransmission requests in one second
)

func newDetailFamilies() detailFamilies {
	type d = trro.SessionDeviceDetail
	stutter := newFamily("trro_session_stutter_seconds_total",
		"Stutter time of the device's video: seconds with frame gaps over the threshold (Lag100Duration, Lag150Duration, read as ms).",
		prometheus.CounterValue, append(slices.Clone(deviceLabels), "threshold")...)
	return detailFamilies{
		hists:  newDetailHistograms(),
		gauges: newDetailGauges(),
		// The API does not state the unit of Lag*Duration; points are one
		// second apart, and the values seen fit milliseconds of that second.
		counters: []pointCounter{
			{stutter, []string{"100ms"}, series{"Lag100Duration", func(x *d) []trro.Num { return x.Lag100Duration }, millis, hour}},
			{stutter, []string{"150ms"}, series{"Lag150Duration", func(x *d) []trro.Num { return x.Lag150Duration }, millis, hour}},
			{newFamily("trro_session_nack_total",
				"Retransmission requests (NACK) of the device's video in session, summed over the points counted.",
				prometheus.CounterValue, deviceLabels...),
				nil, series{"NACK", func(x *d) []trro.Num { return x.NACK }, same, maxNACK}},
		},
		linkRtt:  series{"MultiNet.Rtt", nil, millis, hour},
		linkLoss: series{"MultiNet.Lost", nil, percents, 1},
		linkRates: []linkRate{
			{"send", func(l *trro.MultiNet) []trro.Num { return l.SendBps }, series{"MultiNet.SendBps", nil, kbpsToBytes, maxBytesPS}},
			{"receive", func(l *trro.MultiNet) []trro.Num { return l.RecvBps }, series{"MultiNet.RecvBps", nil, kbpsToBytes, maxBytesPS}},
		},
		points: newFamily("trro_session_detail_points_total",
			"Per-second points of the device's sessions counted so far (DescribeDeviceSessionDetails).",
			prometheus.CounterValue, deviceLabels...),
		linkRttFam: histogramFamily("trro_session_link_rtt_seconds",
			"Round trip time of each network link of multi-network devices in session, one observation per second (MultiNet Rtt ms ÷ 1000).",
			latencyBuckets, linkLabels...),
		linkLossFam: histogramFamily("trro_session_link_packet_loss_ratio",
			"Packet loss of each network link of multi-network devices in session, 0 to 1, one observation per second (MultiNet Lost % ÷ 100).",
			lossBuckets, linkLabels...),
		linkBytes: gaugeFamily("trro_session_link_bytes_per_second",
			"Throughput of each network link of multi-network devices at their latest point in session, by direction (MultiNet SendBps, RecvBps kbps × 125); absent when not in session.",
			append(slices.Clone(linkLabels), "direction")...),
		resolution: gaugeFamily("trro_session_video_resolution_pixels",
			"Video size of the device's stream in its latest answer in session, width × height: kind sent (Width, Height) and configured (ConfigWidth, ConfigHeight). Sent below configured means the stream fell back to a lower resolution. Absent when not in session.",
			append(slices.Clone(deviceLabels), "kind")...),
		info: gaugeFamily("trro_session_device_info",
			"The device's SDK as its latest answer in session reports it (Ver, SdkMode p2p or server, MultiMode as multi_network true or false), for devices in session within the retention. The value is always 1.",
			append(slices.Clone(deviceLabels), "version", "sdk_mode", "multi_network")...),
		liveStart: gaugeFamily("trro_live_session_start_timestamp_seconds",
			"When each live session started: who drives what, right now (DescribeRecentSessionList).",
			"project_id", "field_device_id", "remote_device_id", "resolution"),
	}
}

// newDetailHistograms are the histograms of a device's points, the
// stages (one family) adjacent.
func newDetailHistograms() []pointHistogram {
	type d = trro.SessionDeviceDetail
	h := func(name, help string, buckets []float64, field string, read func(*d) []trro.Num, conv func(float64) float64, max float64) pointHistogram {
		return pointHistogram{histogramFamily("trro_session_"+name, help, buckets, deviceLabels...), nil, false, series{field, read, conv, max}}
	}
	gap := func(name, help string, buckets []float64, field string, read func(*d) []trro.Num, conv func(float64) float64, max float64) pointHistogram {
		p := h(name, help, buckets, field, read, conv, max)
		p.sparse = true
		return p
	}
	stage := histogramFamily("trro_session_stage_latency_seconds",
		"Time each stage of the video pipeline took on the device in session, one observation per second: capture and encode on the field device, decode and render on the console (CaptureCost, EncodeCost, DecodeCost, RenderCost ms ÷ 1000; RenderConst when RenderCost is absent).",
		stageBuckets, append(slices.Clone(deviceLabels), "stage")...)
	st := func(name, field string, read func(*d) []trro.Num) pointHistogram {
		return pointHistogram{stage, []string{name}, true, series{field, read, millis, maxMinute}}
	}
	return []pointHistogram{
		h("video_latency_seconds", "Video latency of devices in session, one observation per second of session (DescribeDeviceSessionDetails VideoLatency ms ÷ 1000).",
			latencyBuckets, "VideoLatency", func(x *d) []trro.Num { return x.VideoLatency }, millis, hour),
		h("network_latency_seconds", "Network latency of devices in session, one observation per second (NetworkLatency ms ÷ 1000).",
			latencyBuckets, "NetworkLatency", func(x *d) []trro.Num { return x.NetworkLatency }, millis, hour),
		h("control_latency_seconds", "Round trip of control messages between field and remote device, one observation per second (ControlLatency ms ÷ 1000).",
			latencyBuckets, "ControlLatency", func(x *d) []trro.Num { return x.ControlLatency }, millis, hour),
		h("packet_loss_ratio", "Packet loss of devices in session, 0 to 1, one observation per second (Lost % ÷ 100).",
			lossBuckets, "Lost", func(x *d) []trro.Num { return x.Lost }, percents, 1),
		st("capture", "CaptureCost", func(x *d) []trro.Num { return x.CaptureCost }),
		st("encode", "EncodeCost", func(x *d) []trro.Num { return x.EncodeCost }),
		st("decode", "DecodeCost", func(x *d) []trro.Num { return x.DecodeCost }),
		st("render", "RenderCost", (*d).RenderCosts),
		gap("frame_gap_seconds", "Longest gap between two video frames in each second of session, one observation per second (MaxFrameDelta, unit not stated by the API, read as ms ÷ 1000: at 30 fps frames are 0.033 s apart).",
			frameGapBuckets, "MaxFrameDelta", func(x *d) []trro.Num { return x.MaxFrameDelta }, millis, maxMinute),
	}
}

// newDetailGauges are the gauges of a device's latest point.
func newDetailGauges() []pointGauge {
	type d = trro.SessionDeviceDetail
	g := func(name, help, field string, read func(*d) []trro.Num, conv func(float64) float64, max float64) pointGauge {
		return pointGauge{gaugeFamily("trro_session_"+name, help, deviceLabels...), series{field, read, conv, max}}
	}
	return []pointGauge{
		g("frames_per_second", "Video frame rate at the device's latest point in session (Fps); absent when not in session.",
			"Fps", func(x *d) []trro.Num { return x.Fps }, same, 1000),
		g("frame_interval_seconds", "Mean interval between video frames at the device's latest point in session (FrameDelta, read as ms ÷ 1000); absent when not in session.",
			"FrameDelta", func(x *d) []trro.Num { return x.FrameDelta }, millis, maxMinute),
		g("bitrate_bytes_per_second", "Video bitrate at the device's latest point in session (Rate kbps × 1000 ÷ 8: bytes, the base unit); absent when not in session.",
			"Rate", func(x *d) []trro.Num { return x.Rate }, kbpsToBytes, maxBytesPS),
		g("bandwidth_estimate_bytes_per_second", "Bandwidth the device's video stream is estimated to have at its latest point in session (BitRateEstimate kbps × 125); bitrate ÷ estimate near 1 means no headroom. Absent when not in session.",
			"BitRateEstimate", func(x *d) []trro.Num { return x.BitRateEstimate }, kbpsToBytes, maxBytesPS),
		g("total_bandwidth_estimate_bytes_per_second", "Bandwidth all the device's links together are estimated to have at its latest point in session (TotalBitrateEstimate kbps × 125); absent when not in session.",
			"TotalBitrateEstimate", func(x *d) []trro.Num { return x.TotalBitrateEstimate }, kbpsToBytes, maxBytesPS),
		g("cpu_usage_ratio", "CPU use of the device at its latest point in session, 0 to 1 (CpuUsed % ÷ 100); absent when not in session.",
			"CpuUsed", func(x *d) []trro.Num { return x.CPUUsed }, percents, 1),
		g("memory_usage_ratio", "Memory use of the device at its latest point in session, 0 to 1 (MemUsed % ÷ 100); absent when not in session.",
			"MemUsed", func(x *d) []trro.Num { return x.MemUsed }, percents, 1),
	}
}

func (f *detailFamilies) families() []*Family {
	var fs []*Family
	add := func(fam *Family) {
		if len(fs) == 0 || fs[len(fs)-1] != fam {
			fs = append(fs, fam)
		}
	}
	for _, h := range f.hists {
		add(h.fam)
	}
	for _, g := range f.gauges {
		add(g.fam)
	}
	add(f.points)
	for _, c := range f.counters {
		add(c.fam)
	}
	for _, fam := range []*Family{f.linkRttFam, f.linkLossFam, f.linkBytes, f.resolution, f.info, f.liveStart} {
		add(fam)
	}
	return fs
}
