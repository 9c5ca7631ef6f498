package collector_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
)

// clock is a test clock the exporter and the stand-in share.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time      { return now.Add(time.Duration(c.offset.Load())) }
func (c *clock) set(d time.Duration) { c.offset.Store(int64(d)) }

// detailsEnv serves sessions whose per-second points are known: serve
// returns a device's points in the asked range as the API would, with five
// seconds of overlap before it.
type detailsEnv struct {
	*env
	clock *clock
	mu    sync.Mutex
	list  []standin.Session
	ends  map[string]int64 // session id → when it ended
}

// point values of the known series: second k of a session has a video
// latency of 62.5 ms (k even) or 125 ms (k odd), a loss of 1 % (k%3==0)
// else 0, a 31.25 ms stutter when k%10==0, a longest frame gap of 250 ms
// (k%8==0) else 62.5 ms, 3 NACKs (k odd) else 1, a bandwidth estimate of
// twice the rate. The field device captures in 3.90625 ms and encodes in
// 31.25 ms (k%4==0) else 7.8125 ms; the console decodes in 7.8125 ms and
// renders in 15.625 ms, sent as RenderConst. Values are exact in binary,
// so sums are exact. Both stream 1280×720 of a configured 1920×1080, over
// one link sending the rate and receiving 8 kbps.
func knownDetails(id, project, field, remote string, start, from, to int64) []any {
	var out []any
	for _, dev := range []struct{ typ, id string }{{"field", field}, {"remote", remote}} {
		cols := map[string][]any{}
		var offs []any
		for t := max(from, start); t <= to; t++ {
			k := t - start
			offs = append(offs, t-from)
			add := func(field string, v any) { cols[field] = append(cols[field], v) }
			add("VideoLatency", map[bool]float64{true: 62.5, false: 125}[k%2 == 0])
			add("Lost", map[bool]float64{true: 1, false: 0}[k%3 == 0])
			add("Lag100Duration", map[bool]float64{true: 31.25, false: 0}[k%10 == 0])
			add("Fps", 20+k%10)
			add("Rate", 20+k%10)
			add("BitRateEstimate", 2*(20+k%10))
			add("MaxFrameDelta", map[bool]float64{true: 250, false: 62.5}[k%8 == 0])
			add("NACK", map[bool]int64{true: 3, false: 1}[k%2 == 1])
			add("RecvBps", 8)
			if dev.typ == "field" {
				add("CaptureCost", 3.90625)
				add("EncodeCost", map[bool]float64{true: 31.25, false: 7.8125}[k%4 == 0])
			} else {
				add("DecodeCost", 7.8125)
				add("RenderConst", 15.625)
			}
		}
		d := map[string]any{"DeviceType": dev.typ, "DeviceId": dev.id, "ProjectId": project, "SessionId": id,
			"StartTime": from, "EndTime": to, "TimeOffset": offs, "Width": 1280, "Height": "720",
			"ConfigWidth": 1920, "ConfigHeight": 1080, "Ver": "3.2.1", "SdkMode": "p2p", "MultiMode": 1,
			"MultiNet": []any{map[string]any{"NetId": 1, "SendBps": cols["Rate"], "RecvBps": cols["RecvBps"]}}}
		delete(cols, "RecvBps")
		for k, v := range cols {
			d[k] = v
		}
		out = append(out, d)
	}
	return out
}

func newDetailsEnv(t *testing.T, o envOpts, sessions ...standin.Session) *detailsEnv {
	c := &clock{}
	f := fixtureFleet()
	f.Sessions = sessions
	o.clock = c.now
	d := &detailsEnv{env: newEnv(t, f, o), clock: c, list: sessions, ends: map[string]int64{}}
	d.srv.Now = c.now
	byID := map[string]standin.Session{}
	for _, s := range sessions {
		byID[s.ID] = s
	}
	d.srv.SetDetails(func(id string, start, end int64) ([]any, bool) {
		s, ok := byID[id]
		if !ok {
			return nil, false
		}
		d.mu.Lock()
		if e := d.ends[id]; e > 0 {
			end = min(end, e)
		}
		d.mu.Unlock()
		return knownDetails(id, s.ProjectID, s.FieldDeviceID, s.RemoteDeviceID, s.StartTime, start-5, end), true
	})
	return d
}

// at moves the clock to now+offset and keeps live sessions updated.
func (d *detailsEnv) at(offset time.Duration) {
	d.clock.set(offset)
	f := fixtureFleet()
	d.mu.Lock()
	defer d.mu.Unlock()
	f.Sessions = nil
	for _, s := range d.list {
		if s.StartTime > d.clock.now().Unix() {
			continue // not started yet
		}
		s.LatestUpdateTime = d.clock.now().Unix() - 5
		if e := d.ends[s.ID]; e > 0 {
			s.EndTime, s.LatestUpdateTime = e, e
		}
		f.Sessions = append(f.Sessions, s)
	}
	d.srv.SetFleet(f)
}

var detailSessions = []standin.Session{
	{ID: "sA", ProjectID: "proj0000000000aa", FieldDeviceID: "dev-f1", RemoteDeviceID: "dev-r1", Resolution: "1920*1080", StartTime: now.Unix() - 60},
}

func (d *detailsEnv) end(id string, at int64) {
	d.mu.Lock()
	d.ends[id] = at
	d.mu.Unlock()
}

// A session's points are counted once each, whatever the windows: the
// answers overlap by five seconds, rounds are shared or skipped, and the
// final points of a session that ended between scrapes are counted.
func TestSessionDetailsCountEachPointOnce(t *testing.T) {
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}}, detailSessions...)
	d.at(0)
	d.scrape(t, "") // first sight: from the session's start, 61 points
	d.at(15 * time.Second)
	d.scrape(t, "")
	// Shared rounds: three scrapes at once make one round.
	d.at(20 * time.Second)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { d.scrape(t, "") })
	}
	wg.Wait()
	// Skipped rounds: nothing between +20s and +80s.
	d.at(80 * time.Second)
	_, body := d.scrape(t, "")
	if !hasLine(body, `trro_live_session_start_timestamp_seconds{field_device_id="dev-f1",project_id="proj0000000000aa",remote_device_id="dev-r1",resolution="1920*1080"} `+fmt.Sprint(now.Unix()-60)) {
		t.Errorf("live session missing:\n%s", grep(body, "trro_live_session"))
	}
	// The gauges hold second 140: 20 fps, a rate of 20 kbps, an estimate
	// of 40 kbps; the video size and SDK of the latest answer.
	f1, r1 := `device_id="dev-f1",device_type="field",`, `device_id="dev-r1",device_type="remote",`
	for _, want := range []string{
		`trro_session_frames_per_second{` + f1 + `project_id="proj0000000000aa"} 20`,
		`trro_session_bitrate_bytes_per_second{` + f1 + `project_id="proj0000000000aa"} 2500`,
		`trro_session_bandwidth_estimate_bytes_per_second{` + f1 + `project_id="proj0000000000aa"} 5000`,
		`trro_session_video_resolution_pixels{` + r1 + `kind="sent",project_id="proj0000000000aa"} 921600`,
		`trro_session_video_resolution_pixels{` + r1 + `kind="configured",project_id="proj0000000000aa"} 2073600`,
		`trro_session_link_bytes_per_second{` + r1 + `direction="send",net_id="1",project_id="proj0000000000aa"} 2500`,
		`trro_session_link_bytes_per_second{` + r1 + `direction="receive",net_id="1",project_id="proj0000000000aa"} 1000`,
		`trro_session_device_info{` + f1 + `multi_network="true",project_id="proj0000000000aa",sdk_mode="p2p",version="3.2.1"} 1`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(body, "trro_session_total_bandwidth_estimate_bytes_per_second{") {
		t.Error("a total estimate the API did not send is exported")
	}
	// The session ends at +100s; the scrape at +300s no longer sees it
	// live and makes one last call for its final 20 points.
	d.end("sA", now.Unix()+100)
	d.at(300 * time.Second)
	calls := d.srv.Calls("DescribeDeviceSessionDetails")
	_, body = d.scrape(t, "")
	if n := d.srv.Calls("DescribeDeviceSessionDetails") - calls; n != 1 {
		t.Errorf("%d calls for the ended session, want one last call", n)
	}
	// Seconds 0..160: 81 of 62.5 ms, 80 of 125 ms; loss 1 % on 54 of them;
	// 17 stutters of 31.25 ms.
	for _, dev := range []string{`device_id="dev-f1",device_type="field"`, `device_id="dev-r1",device_type="remote"`} {
		l := func(name, extra string) string {
			return name + "{" + dev + `,project_id="proj0000000000aa"` + extra + "}"
		}
		for _, want := range []string{
			l("trro_session_video_latency_seconds_bucket", `,le="0.025"`) + " 0",
			l("trro_session_video_latency_seconds_bucket", `,le="0.05"`) + " 0",
			l("trro_session_video_latency_seconds_bucket", `,le="0.075"`) + " 81",
			l("trro_session_video_latency_seconds_bucket", `,le="0.1"`) + " 81",
			l("trro_session_video_latency_seconds_bucket", `,le="0.15"`) + " 161",
			l("trro_session_video_latency_seconds_bucket", `,le="2.5"`) + " 161",
			l("trro_session_video_latency_seconds_bucket", `,le="+Inf"`) + " 161",
			l("trro_session_video_latency_seconds_count", "") + " 161",
			l("trro_session_video_latency_seconds_sum", "") + " 15.0625",
			l("trro_session_packet_loss_ratio_bucket", `,le="0.005"`) + " 107",
			l("trro_session_packet_loss_ratio_bucket", `,le="0.01"`) + " 161",
			l("trro_session_packet_loss_ratio_count", "") + " 161",
			l("trro_session_detail_points_total", "") + " 161",
			l("trro_session_stutter_seconds_total", `,threshold="100ms"`) + " 0.53125",
			l("trro_session_stutter_seconds_total", `,threshold="150ms"`) + " 0",
			// No ControlLatency was sent: an empty histogram, no drops.
			l("trro_session_control_latency_seconds_count", "") + " 0",
			// Frame gaps: 21 of 250 ms, 140 of 62.5 ms.
			l("trro_session_frame_gap_seconds_bucket", `,le="0.05"`) + " 0",
			l("trro_session_frame_gap_seconds_bucket", `,le="0.1"`) + " 140",
			l("trro_session_frame_gap_seconds_bucket", `,le="0.2"`) + " 140",
			l("trro_session_frame_gap_seconds_bucket", `,le="0.3"`) + " 161",
			l("trro_session_frame_gap_seconds_sum", "") + " 14",
			// NACK: 80 odd seconds of 3, 81 even of 1.
			l("trro_session_nack_total", "") + " 321",
		} {
			if !hasLine(body, want) {
				t.Errorf("missing %s", want)
			}
		}
	}
	// Stages: the field device captures and encodes, the console decodes
	// and renders (read from RenderConst); neither has the other's stages.
	st := func(dev, stage, suffix, le string) string {
		if le != "" {
			le = `,le="` + le + `"`
		}
		return "trro_session_stage_latency_seconds_" + suffix + "{" + dev + `project_id="proj0000000000aa",stage="` + stage + `"` + le + "}"
	}
	for _, want := range []string{
		st(f1, "capture", "bucket", "0.0025") + " 0",
		st(f1, "capture", "bucket", "0.005") + " 161",
		st(f1, "capture", "sum", "") + " 0.62890625",
		st(f1, "encode", "bucket", "0.01") + " 120",
		st(f1, "encode", "bucket", "0.035") + " 161",
		st(f1, "encode", "sum", "") + " 2.21875",
		st(r1, "decode", "sum", "") + " 1.2578125",
		st(r1, "render", "count", "") + " 161",
		st(r1, "render", "sum", "") + " 2.515625",
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s\n%s", want, grep(body, "stage_latency_seconds_sum|stage_latency_seconds_count"))
		}
	}
	for _, absent := range []string{`stage_latency_seconds_count{` + f1 + `project_id="proj0000000000aa",stage="render"}`,
		`stage_latency_seconds_count{` + r1 + `project_id="proj0000000000aa",stage="encode"}`} {
		if strings.Contains(body, absent) {
			t.Errorf("a stage the device does not run is exported: %s", absent)
		}
	}
	for _, live := range []string{"frames_per_second", "live_session_start", "bandwidth_estimate", "video_resolution_pixels", "link_bytes_per_second"} {
		if strings.Contains(body, live) && strings.Contains(grep(body, live), "{") {
			t.Errorf("an ended session still has live gauges:\n%s", grep(body, live))
		}
	}
	if !strings.Contains(body, `trro_session_device_info{`+f1) {
		t.Error("the device's info went with its session: it stays for the retention")
	}
	if d := grep(body, "trro_dropped_values_total{"); strings.Count(d, "\n") != 1 || !strings.Contains(d, `{field="LastReportTime",reason="unparseable"} 0`) {
		t.Errorf("values dropped from sound answers:\n%s", grep(body, "dropped"))
	}
	// Nothing more is read of it.
	calls = d.srv.Calls("DescribeDeviceSessionDetails")
	d.at(310 * time.Second)
	d.scrape(t, "")
	if n := d.srv.Calls("DescribeDeviceSessionDetails") - calls; n != 0 {
		t.Errorf("%d calls for a session already finished", n)
	}
}

// grep keeps the lines of body that contain one of the |-separated words.
func grep(body, words string) string {
	var b strings.Builder
	for _, l := range strings.Split(body, "\n") {
		for _, w := range strings.Split(words, "|") {
			if strings.Contains(l, w) {
				b.WriteString(l + "\n")
				break
			}
		}
	}
	return b.String()
}

func TestSessionDetailsCap(t *testing.T) {
	two := []standin.Session{
		detailSessions[0],
		{ID: "sB", ProjectID: "proj0000000000bb", FieldDeviceID: "dev-b1", RemoteDeviceID: "dev-r2", Resolution: "1280*720", StartTime: now.Unix() - 30},
	}
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}, account: func(o *config.Account) { collector.SettingsOf[collector.SessionDetailsSettings](o).MaxLiveSessions = 1 }}, two...)
	d.at(0)
	_, body := d.scrape(t, "")
	// One session followed, the other skipped: the cap is 1.
	if !hasLine(body, `trro_collector_truncated{collector="session_details"} 1`) || d.srv.Calls("DescribeDeviceSessionDetails") != 1 {
		t.Fatalf("cap of 1: truncated and %d calls:\n%s", d.srv.Calls("DescribeDeviceSessionDetails"), grep(body, "truncated"))
	}
	if n := strings.Count(body, "trro_session_detail_points_total{"); n != 2 {
		t.Errorf("series of %d devices, want the 2 of one session:\n%s", n, grep(body, "points_total"))
	}
	// Both sessions are still listed as live.
	if strings.Count(body, "trro_live_session_start_timestamp_seconds{") != 2 {
		t.Errorf("live sessions:\n%s", grep(body, "live_session"))
	}
}

func TestSessionDetailsRetention(t *testing.T) {
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}, account: func(o *config.Account) {
		collector.SettingsOf[collector.SessionDetailsSettings](o).Retention = config.Duration(time.Hour)
	}}, detailSessions...)
	d.at(0)
	d.scrape(t, "")
	d.end("sA", now.Unix()+10)
	d.at(5 * time.Minute) // the last call
	d.scrape(t, "")
	d.at(5*time.Minute + 59*time.Minute)
	_, body := d.scrape(t, "")
	if !strings.Contains(body, `trro_session_detail_points_total{device_id="dev-f1"`) {
		t.Error("series gone before the retention")
	}
	d.at(5*time.Minute + 61*time.Minute)
	_, body = d.scrape(t, "")
	if strings.Contains(body, `device_id="dev-f1"`) {
		t.Errorf("series of a device without a session for over the retention:\n%s", grep(body, "dev-f1"))
	}
}

// Broken answers: the sound points count, the rest are dropped and counted
// by field and reason; nothing fails the collector and nothing counts twice.
func TestSessionDetailsBadInput(t *testing.T) {
	sess := detailSessions[0]
	dup := sess // the session listed twice
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}}, sess, dup)
	start := now.Unix() - 10
	d.srv.SetDetails(func(id string, _, _ int64) ([]any, bool) {
		return []any{
			map[string]any{"DeviceType": "field", "DeviceId": "dev-f1", "ProjectId": sess.ProjectID, "StartTime": start,
				// 10 points; one offset null, one in the future, one repeated.
				"TimeOffset":   []any{0, 1, 2, 3, 4, 5, 6, nil, 500, 6},
				"VideoLatency": []any{40, nil, -5, 5e9, "80", 60, 70},     // 7 of 10: 3 missing
				"Lost":         []any{"1.5", 150, 0, 0, 0, 0, 0, 0, 0, 0}, // 150 %: implausible
			},
			map[string]any{"DeviceType": "remote", "StartTime": start, "TimeOffset": []any{0, 1}}, // no DeviceId
			map[string]any{"DeviceType": "remote", "DeviceId": "dev-r1", "StartTime": nil, "TimeOffset": []any{0, 1, 2}},
		}, true
	})
	d.at(0)
	_, body := d.scrape(t, "")
	if n := d.srv.Calls("DescribeDeviceSessionDetails"); n != 1 {
		t.Errorf("%d calls for a session listed twice", n)
	}
	l := func(name, extra string) string {
		return name + `{device_id="dev-f1",device_type="field",project_id="proj0000000000aa"` + extra + "}"
	}
	for _, want := range []string{
		`trro_scrape_collector_success{collector="session_details"} 1`,
		// Points at seconds 0..6 (7; the repeat and the null offset and the
		// future one are not points).
		l("trro_session_detail_points_total", "") + " 7",
		// 40, 80, 60, 70 ms are sound; null, -5 and 5e9 ms are not.
		l("trro_session_video_latency_seconds_count", "") + " 4",
		l("trro_session_video_latency_seconds_sum", "") + " 0.25",
		l("trro_session_packet_loss_ratio_count", "") + " 6",
		`trro_dropped_values_total{field="VideoLatency",reason="null"} 1`,
		`trro_dropped_values_total{field="VideoLatency",reason="implausible"} 2`,
		`trro_dropped_values_total{field="Lost",reason="implausible"} 1`,
		`trro_dropped_values_total{field="TimeOffset",reason="no_time"} 4`,
		`trro_dropped_values_total{field="TimeOffset",reason="outside_window"} 1`,
		`trro_dropped_values_total{field="DeviceId",reason="missing"} 2`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	// The same answer again counts nothing new.
	d.at(10 * time.Second)
	_, body = d.scrape(t, "")
	if !hasLine(body, l("trro_session_detail_points_total", "")+" 7") {
		t.Errorf("points counted twice:\n%s", grep(body, "points_total"))
	}
	// An answer without Details: no series, no failure.
	d.srv.SetDetails(func(string, int64, int64) ([]any, bool) { return nil, true })
	d.at(20 * time.Second)
	if _, body = d.scrape(t, ""); !hasLine(body, `trro_scrape_collector_success{collector="session_details"} 1`) {
		t.Errorf("empty answer failed the collector:\n%s", grep(body, "success"))
	}
}

// Series without ProjectId take the session's project from its list entry,
// the last call of an ended session included.
func TestSessionDetailsWithoutProjectID(t *testing.T) {
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}}, detailSessions...)
	d.srv.SetDetails(func(id string, start, end int64) ([]any, bool) {
		out := knownDetails(id, "", "dev-f1", "dev-r1", now.Unix()-60, start-5, min(end, now.Unix()+100))
		for _, dev := range out {
			delete(dev.(map[string]any), "ProjectId")
		}
		return out, true
	})
	d.at(0)
	d.scrape(t, "")
	d.end("sA", now.Unix()+100)
	d.at(300 * time.Second)
	_, body := d.scrape(t, "")
	want := `trro_session_detail_points_total{device_id="dev-f1",device_type="field",project_id="proj0000000000aa"} 161`
	if !hasLine(body, want) || strings.Contains(body, `field="DeviceId"`) {
		t.Errorf("missing %s, or points dropped:\n%s", want, grep(body, "points_total|dropped"))
	}
}

// max_session_devices bounds the devices with series: past it the least
// recently in session go first, and trro_collector_truncated is 1 while
// it bites.
func TestSessionDevicesCap(t *testing.T) {
	two := []standin.Session{
		detailSessions[0],
		{ID: "sB", ProjectID: "proj0000000000bb", FieldDeviceID: "dev-b1", RemoteDeviceID: "dev-r2", Resolution: "1280*720", StartTime: now.Unix() - 30},
	}
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}, account: func(o *config.Account) {
		collector.SettingsOf[collector.SessionDetailsSettings](o).MaxDevices = 2
	}}, two...)
	devices := func(body string) string {
		var ids []string
		for _, l := range strings.Split(grep(body, "trro_session_detail_points_total{"), "\n") {
			if _, rest, ok := strings.Cut(l, `device_id="`); ok {
				id, _, _ := strings.Cut(rest, `"`)
				ids = append(ids, id)
			}
		}
		return strings.Join(ids, " ")
	}
	d.at(0)
	_, body := d.scrape(t, "")
	if got := devices(body); strings.Count(got, " ") != 1 || !hasLine(body, `trro_collector_truncated{collector="session_details"} 1`) {
		t.Fatalf("4 devices in session, cap 2: series of %q, truncated:\n%s", got, grep(body, "truncated"))
	}
	// sB ends: its last call at +300s sees all four devices, and sB's,
	// whose latest point is older, go; from +310s the two left are within
	// the cap.
	d.end("sB", now.Unix()+100)
	d.at(300 * time.Second)
	_, body = d.scrape(t, "")
	if got := devices(body); got != "dev-f1 dev-r1" || !hasLine(body, `trro_collector_truncated{collector="session_details"} 1`) {
		t.Errorf("after sB ended: series of %q, want sA's; truncated:\n%s", got, grep(body, "truncated"))
	}
	d.at(310 * time.Second)
	_, body = d.scrape(t, "")
	if got := devices(body); got != "dev-f1 dev-r1" || !hasLine(body, `trro_collector_truncated{collector="session_details"} 0`) {
		t.Errorf("within the cap: series of %q, truncated:\n%s", got, grep(body, "truncated"))
	}
}

// New series take nulls, short arrays and implausible values as the others
// do: dropped and counted, the rest of the answer kept.
func TestSessionDetailsBadPoints(t *testing.T) {
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}}, detailSessions...)
	d.srv.SetDetails(func(id string, start, end int64) ([]any, bool) {
		return []any{map[string]any{"DeviceType": "field", "DeviceId": "dev-f1", "ProjectId": "proj0000000000aa", "SessionId": id,
			"StartTime": end - 3, "TimeOffset": []int{0, 1, 2, 3},
			"EncodeCost": []any{10, nil, "20", -5}, "NACK": []any{1, 2}, "MaxFrameDelta": []any{100, 1e9, 50, 50},
			"RenderCost": nil, "RenderConst": []any{4, 4, 4, 4}, // a field device: both spellings, one null
			"Width": 99999, "Height": 720, "ConfigWidth": 1920, "ConfigHeight": 1080, "Ver": "v\xff", "MultiMode": nil}}, true
	})
	d.at(0)
	_, body := d.scrape(t, "")
	for _, want := range []string{
		`trro_session_stage_latency_seconds_count{device_id="dev-f1",device_type="field",project_id="proj0000000000aa",stage="encode"} 2`,
		`trro_session_stage_latency_seconds_sum{device_id="dev-f1",device_type="field",project_id="proj0000000000aa",stage="encode"} 0.03`,
		`trro_session_stage_latency_seconds_count{device_id="dev-f1",device_type="field",project_id="proj0000000000aa",stage="render"} 4`,
		`trro_session_nack_total{device_id="dev-f1",device_type="field",project_id="proj0000000000aa"} 3`,
		`trro_session_frame_gap_seconds_count{device_id="dev-f1",device_type="field",project_id="proj0000000000aa"} 3`,
		`trro_dropped_values_total{field="EncodeCost",reason="null"} 1`,
		`trro_dropped_values_total{field="EncodeCost",reason="implausible"} 1`,
		`trro_dropped_values_total{field="NACK",reason="missing"} 2`,
		`trro_dropped_values_total{field="MaxFrameDelta",reason="implausible"} 1`,
		`trro_dropped_values_total{field="Width",reason="implausible"} 1`,
		`trro_session_video_resolution_pixels{device_id="dev-f1",device_type="field",kind="configured",project_id="proj0000000000aa"} 2073600`,
		`trro_session_device_info{device_id="dev-f1",device_type="field",multi_network="unknown",project_id="proj0000000000aa",sdk_mode="",version="v` + "\uFFFD" + `"} 1`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(body, `kind="sent"`) {
		t.Error("an implausible sent size is exported")
	}
}

// An ended session gets one last call and is forgotten whatever the
// answer; the last calls count against max_live_sessions with the live
// sessions' calls.
func TestEndedSessionsAreForgotten(t *testing.T) {
	sessions := []standin.Session{
		detailSessions[0],
		{ID: "sB", ProjectID: "proj0000000000bb", FieldDeviceID: "dev-b1", RemoteDeviceID: "dev-r2", Resolution: "1280*720", StartTime: now.Unix() - 30},
		{ID: "sC", ProjectID: "proj0000000000aa", FieldDeviceID: "dev-f2", RemoteDeviceID: "dev-r1", Resolution: "1280*720", StartTime: now.Unix() + 200},
	}
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}, account: func(o *config.Account) {
		collector.SettingsOf[collector.SessionDetailsSettings](o).MaxLiveSessions = 2
	}}, sessions...)
	calls := func(at time.Duration) (int, string) {
		d.at(at)
		before := d.srv.Calls("DescribeDeviceSessionDetails")
		_, body := d.scrape(t, "")
		return d.srv.Calls("DescribeDeviceSessionDetails") - before, body
	}
	if n, _ := calls(0); n != 2 {
		t.Fatalf("first round: %d calls, want sA's and sB's", n)
	}
	// sA and sB end; sC starts. One slot for sC, one for a last call: the
	// other ended session is forgotten without one.
	d.end("sA", now.Unix()+100)
	d.end("sB", now.Unix()+100)
	n, body := calls(300 * time.Second)
	if n != 2 || !hasLine(body, `trro_collector_truncated{collector="session_details"} 1`) {
		t.Errorf("ended sessions past the cap: %d calls, want 2 (sC, one last call); truncated:\n%s", n, grep(body, "truncated"))
	}
	// The API forgets sessions: a last call that fails still ends them.
	d.srv.SetFault("DescribeDeviceSessionDetails", &standin.Fault{Kind: standin.FaultError, Code: "ResourceNotFound"})
	d.end("sC", now.Unix()+305)
	// Past the active window (2m) sC is no longer live: its last call,
	// refused.
	if n, _ := calls(500 * time.Second); n != 1 {
		t.Errorf("sC's last call: %d calls, want 1", n)
	}
	for i := range 3 {
		if n, _ := calls(time.Duration(510+10*i) * time.Second); n != 0 {
			t.Errorf("round %d after the refused last call: %d calls, want none", i, n)
		}
	}
}

// An answer is input, not truth: only the session's own two devices are
// counted, under the project it was listed in; any other device is
// dropped and counted.
func TestDetailsCountOnlyTheSessionsDevices(t *testing.T) {
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}}, detailSessions...)
	d.srv.SetDetails(func(id string, start, end int64) ([]any, bool) {
		s := detailSessions[0]
		out := knownDetails(id, "proj-elsewhere", s.FieldDeviceID, s.RemoteDeviceID, s.StartTime, start-5, end)
		for i := range 500 {
			out = append(out, knownDetails(id, s.ProjectID, fmt.Sprintf("intruder-%d", i), "dev-r1", s.StartTime, end-1, end)[0])
		}
		return out, true
	})
	d.at(0)
	_, body := d.scrape(t, "")
	if n := strings.Count(body, "trro_session_detail_points_total{"); n != 2 {
		t.Errorf("series of %d devices, want the session's 2:\n%s", n, grep(body, "points_total"))
	}
	for _, want := range []string{
		`trro_session_detail_points_total{device_id="dev-f1",device_type="field",project_id="proj0000000000aa"} 61`,
		`trro_dropped_values_total{field="DeviceId",reason="not_in_session"} 1000`,
	} {
		if !hasLine(body, want) {
			t.Errorf("missing %s\n%s", want, grep(body, "points_total|dropped"))
		}
	}
}

// The window asked stays bounded: a device that vanished from the answers
// does not hold it back for the life of the session.
func TestDetailsWindowStaysBounded(t *testing.T) {
	d := newDetailsEnv(t, envOpts{collectors: []string{"session_details"}}, detailSessions...)
	var mu sync.Mutex
	var widest int64
	first := true
	d.srv.SetDetails(func(id string, start, end int64) ([]any, bool) {
		s := detailSessions[0]
		out := knownDetails(id, s.ProjectID, s.FieldDeviceID, s.RemoteDeviceID, s.StartTime, start-5, end)
		mu.Lock()
		defer mu.Unlock()
		if !first {
			out = out[:1] // the console vanishes from the answers
			widest = max(widest, end-start)
		}
		first = false
		return out, true
	})
	// Eight hours of rounds ten minutes apart.
	for at := time.Duration(0); at <= 8*time.Hour; at += 10 * time.Minute {
		d.at(at)
		d.scrape(t, "")
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("widest window asked after 8 hours: %d s", widest)
	if limit := int64((10*time.Minute + 5*time.Minute).Seconds()); widest > limit {
		t.Errorf("widest window asked after 8 hours: %d s, want at most %d", widest, limit)
	}
}
