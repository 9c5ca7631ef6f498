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
// else 0, and a 31.25 ms stutter when k%10==0 (values exact in binary, so
// sums are exact).
func knownDetails(id, project, field, remote string, start, from, to int64) []any {
	var out []any
	for _, dev := range []struct{ typ, id string }{{"field", field}, {"remote", remote}} {
		var offs, video, loss, lag, fps []any
		for t := max(from, start); t <= to; t++ {
			k := t - start
			offs = append(offs, t-from)
			video = append(video, map[bool]float64{true: 62.5, false: 125}[k%2 == 0])
			loss = append(loss, map[bool]float64{true: 1, false: 0}[k%3 == 0])
			lag = append(lag, map[bool]float64{true: 31.25, false: 0}[k%10 == 0])
			fps = append(fps, 20+k%10)
		}
		out = append(out, map[string]any{"DeviceType": dev.typ, "DeviceId": dev.id, "ProjectId": project, "SessionId": id,
			"StartTime": from, "EndTime": to, "TimeOffset": offs, "VideoLatency": video, "Lost": loss,
			"Lag100Duration": lag, "Fps": fps, "Rate": fps})
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
	if !hasLine(body, `trro_session_frames_per_second{device_id="dev-f1",device_type="field",project_id="proj0000000000aa"} 20`) {
		t.Errorf("latest frame rate (second 140: 20 fps) missing:\n%s", grep(body, "frames_per_second"))
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
		} {
			if !hasLine(body, want) {
				t.Errorf("missing %s", want)
			}
		}
	}
	if strings.Contains(body, "trro_session_frames_per_second{") || strings.Contains(body, "trro_live_session_start_timestamp_seconds{") {
		t.Errorf("an ended session still has live gauges:\n%s", grep(body, "frames_per_second|live_session"))
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
