package standin_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

// simClient serves the demo simulation at a clock the test moves, to the
// real client.
func simClient(t *testing.T) (*trro.Client, *atomic.Int64) {
	t.Helper()
	var offset atomic.Int64
	srv := standin.NewServer(nil, standin.Credential{SecretID: "AKIDsim", SecretKey: "sim-key"})
	srv.Now = func() time.Time { return now.Add(time.Duration(offset.Load())) }
	srv.Follow(standin.NewSimulation(standin.DefaultSpec, now))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	opts := config.Default(config.Schema{}).ClientOptions(common.NewCredential("AKIDsim", "sim-key"))
	opts.Endpoint, opts.RateLimit = ts.URL, 1000
	c, err := trro.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, &offset
}

// The demo adds up at every instant, read through the client: a live
// session joins a connected console to a connected machine, no device is
// in two live sessions, licenses bind to field devices and are listed,
// and no statistics bucket holds more device-minutes than its field
// devices and age allow or more than the bucket it nests in.
func TestSimulationAddsUp(t *testing.T) {
	c, offset := simClient(t)
	ctx := context.Background()
	for _, at := range []time.Duration{0, 7 * time.Minute, 95 * time.Minute, 9*time.Hour + 30*time.Minute, 40 * 24 * time.Hour} {
		offset.Store(int64(at))
		when := now.Add(at)
		projects, _, err := c.DescribeProjectList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		groups, _, err := c.GetLicenses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[trro.Text]bool{}
		for _, g := range groups {
			for _, id := range g.LicenseIDs {
				listed[id] = true
			}
		}
		for _, p := range projects {
			pid := string(p.ProjectID)
			devs, _, err := c.DescribeDeviceList(ctx, pid, 0, true)
			if err != nil {
				t.Fatal(err)
			}
			status, fields := map[trro.Text]trro.Text{}, 0
			for _, d := range devs {
				status[d.DeviceID] = d.DeviceStatus
				if d.DeviceType == "field" {
					fields++
				}
			}
			recent, _, err := c.DescribeRecentSessionList(ctx, pid, when.Add(-2*time.Minute).Unix(), when.Unix())
			if err != nil {
				t.Fatal(err)
			}
			inSession := map[trro.Text]int{}
			for _, s := range recent {
				if s.LatestUpdateTime.Value < when.Unix()-5 {
					continue // ended in the last two minutes
				}
				inSession[s.FieldDeviceID]++
				inSession[s.RemoteDeviceID]++
				if status[s.FieldDeviceID] != "connected" || status[s.RemoteDeviceID] != "connected" {
					t.Errorf("%v: live session %s joins %s (%s) and %s (%s)", at, s.SessionID,
						s.FieldDeviceID, status[s.FieldDeviceID], s.RemoteDeviceID, status[s.RemoteDeviceID])
				}
			}
			for d, n := range inSession {
				if n > 1 {
					t.Errorf("%v: %s in %d live sessions", at, d, n)
				}
			}
			bindings, _, err := c.GetDevices(ctx, pid, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bindings {
				for _, id := range b.LicenseIDs {
					if !listed[id] {
						t.Errorf("%v: %s bound to %s, not in GetLicenses", at, b.DeviceID, id)
					}
				}
			}
			buckets := map[string][]trro.SessionIntervalStatistic{}
			for _, iv := range []string{"hour", "day", "month"} {
				if buckets[iv], err = c.DescribeSessionStatisticsByInterval(ctx, pid, iv, when.Add(-3*time.Hour).Unix(), when.Unix()); err != nil {
					t.Fatal(err)
				}
			}
			day, month := last(buckets["day"]), last(buckets["month"])
			for _, h := range buckets["hour"] {
				age := min(when.Unix(), h.EndTime.Value) - h.StartTime.Value
				if h.TotalDuration.Value*60 > h.ActiveFieldDeviceNum.Value*age+59 || h.ActiveFieldDeviceNum.Value > int64(fields) {
					t.Errorf("%v %s: hour %+v: more than %d field devices can hold", at, pid, h, fields)
				}
				if h.StartTime.Value >= day.StartTime.Value && (h.SessionNum.Value > day.SessionNum.Value || h.TotalDuration.Value > day.TotalDuration.Value) {
					t.Errorf("%v %s: hour %+v holds more than its day %+v", at, pid, h, day)
				}
			}
			if day.SessionNum.Value > month.SessionNum.Value || day.TotalDuration.Value > month.TotalDuration.Value {
				t.Errorf("%v %s: day %+v holds more than its month %+v", at, pid, day, month)
			}
		}
	}
}

func last(bs []trro.SessionIntervalStatistic) trro.SessionIntervalStatistic {
	var out trro.SessionIntervalStatistic
	for _, b := range bs {
		if b.StartTime.Value > out.StartTime.Value {
			out = b
		}
	}
	return out
}

// Over a few minutes of the demo, sessions start and end.
func TestSimulationMoves(t *testing.T) {
	c, offset := simClient(t)
	ctx := context.Background()
	live := func() map[trro.Text]bool {
		out := map[trro.Text]bool{}
		when := now.Add(time.Duration(offset.Load()))
		projects, _, err := c.DescribeProjectList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range projects {
			recent, _, err := c.DescribeRecentSessionList(ctx, string(p.ProjectID), when.Add(-2*time.Minute).Unix(), when.Unix())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range recent {
				if s.LatestUpdateTime.Value >= when.Unix()-5 {
					out[s.SessionID] = true
				}
			}
		}
		return out
	}
	first := live()
	started, ended := 0, 0
	seen := first
	for m := 1; m <= 30; m++ {
		offset.Store(int64(time.Duration(m) * time.Minute))
		cur := live()
		for id := range cur {
			if !seen[id] {
				started++
			}
		}
		for id := range seen {
			if !cur[id] {
				ended++
			}
		}
		seen = cur
	}
	if started == 0 || ended == 0 {
		t.Errorf("over 30 minutes %d sessions started and %d ended", started, ended)
	}
	t.Logf("over 30 minutes: %d live at first, %d started, %d ended", len(first), started, ended)
}

// At any time of day the demo has live sessions, and among them a
// congested one (graded bad) and one whose console renders slowly.
func TestSimulationAlwaysLive(t *testing.T) {
	sim := standin.NewSimulation(standin.DefaultSpec, now)
	for at := now; at.Before(now.Add(24 * time.Hour)); at = at.Add(47*time.Minute + 13*time.Second) {
		var live, bad, slow int
		for _, s := range sim.At(at).Sessions {
			if s.StartTime <= at.Unix() && s.LatestUpdateTime >= at.Add(-2*time.Minute).Unix() {
				live++
				if s.Quality == "bad" {
					bad++
				}
				if s.SlowRender {
					slow++
				}
			}
		}
		if live == 0 || bad == 0 || slow == 0 {
			t.Fatalf("%v: %d live sessions, %d bad, %d rendering slowly", at, live, bad, slow)
		}
	}
}
