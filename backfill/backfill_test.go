package backfill

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/internal/testtool"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

const (
	testID  = "AKIDbackfill"
	testKey = "backfill-key"
)

// smallSpec is one project: a console driving two machines.
var smallSpec = standin.Spec{Projects: 1, DevicesPerProject: 3}

// fixture is a stand-in serving a simulated fleet's past, and options for
// a backfill of it.
type fixture struct {
	srv  *standin.Server
	sim  *standin.Simulation
	now  time.Time
	opts Options
}

func newFixture(t *testing.T, spec standin.Spec, span time.Duration, collectors ...string) *fixture {
	t.Helper()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sim := standin.NewSimulation(spec, now)
	srv := standin.NewServer(sim.At(now), standin.Credential{SecretID: testID, SecretKey: testKey})
	srv.Follow(sim)
	srv.Now = func() time.Time { return now }
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	cfg := config.Default(collector.Schema())
	acc := cfg.Account
	acc.Name = "mine"
	acc.Endpoint = ts.URL
	for _, n := range collector.Names() {
		acc.Collectors[n] = false
	}
	for _, n := range collectors {
		acc.Collectors[n] = true
	}
	collector.SettingsOf[collector.SessionsSettings](&acc).StatisticIntervals = []string{"hour", "day"}
	dir := t.TempDir()
	return &fixture{srv: srv, sim: sim, now: now, opts: Options{
		Accounts: []Account{{Config: acc, Credential: common.NewCredential(testID, testKey)}},
		From:     now.Add(-span - 3*time.Hour), To: now.Add(-3 * time.Hour),
		Step: 5 * time.Minute, UsageStep: time.Hour, RateLimit: 1000,
		Output: filepath.Join(dir, "out.om"),
	}}
}

func run(t *testing.T, f *fixture) Report {
	t.Helper()
	rep, err := Run(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The output is what promtool takes: every family's HELP and TYPE once, a
// series' samples in time order, cumulative series never going backwards,
// # EOF last, and promtool builds blocks from it.
func TestOutputFormat(t *testing.T) {
	f := newFixture(t, smallSpec, 6*time.Hour, "projects", "sessions", "usage", "recent_sessions", "session_quality", "session_details")
	rep := run(t, f)
	p := parseOutput(t, f.opts.Output)
	if !p.eof {
		t.Error("no # EOF at the end")
	}
	if rep.Samples < 1000 || len(p.types) < 30 {
		t.Fatalf("%d samples, %d families", rep.Samples, len(p.types))
	}
	for fam, n := range p.helps {
		if n != 1 {
			t.Errorf("%s: HELP %d times", fam, n)
		}
		if _, ok := p.types[fam]; !ok {
			t.Errorf("%s: HELP without TYPE", fam)
		}
	}
	if p.types["trro_session_nack"] != "counter" || p.types["trro_session_video_latency_seconds"] != "histogram" {
		t.Errorf("types: nack %q, video latency %q", p.types["trro_session_nack"], p.types["trro_session_video_latency_seconds"])
	}
	for k, ss := range p.series {
		cumulative := strings.Contains(k, "_total{") || strings.Contains(k, "_bucket{") || strings.Contains(k, "_count{")
		for i := 1; i < len(ss); i++ {
			if ss[i].ts <= ss[i-1].ts {
				t.Fatalf("%s: sample at %d after %d", k, ss[i].ts, ss[i-1].ts)
			}
			if cumulative && ss[i].v < ss[i-1].v {
				t.Fatalf("%s went backwards: %g then %g", k, ss[i-1].v, ss[i].v)
			}
		}
	}
	// Series exported live that have no history are not invented.
	for fam := range p.types {
		for _, none := range []string{"trro_license", "trro_device_", "trro_up", "trro_scrape_", "trro_api_", "trro_account_"} {
			if strings.HasPrefix(fam, none) {
				t.Errorf("%s backfilled: it has no history in the API, or tells of scrapes", fam)
			}
		}
	}
	data := t.TempDir()
	if out, err := exec.Command(testtool.Promtool(t), "tsdb", "create-blocks-from", "openmetrics", f.opts.Output, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	if _, err := os.Stat(f.opts.Output + ".work"); !os.IsNotExist(err) {
		t.Errorf("the work directory is left after a complete run: %v", err)
	}
}

// Each step shows what the live exporter showed then: the previous
// bucket's final figures; the bucket still filling has its start time but
// no figures, which the API no longer has.
func TestWindowsAStepShows(t *testing.T) {
	f := newFixture(t, smallSpec, 30*time.Hour, "sessions")
	run(t, f)
	p := parseOutput(t, f.opts.Output)
	fleet := f.sim.At(f.now)
	pid := fleet.Projects[0].ID
	checked := 0
	for ts := f.opts.From.Unix() + 3600; ts <= f.opts.To.Unix(); ts += 17 * 300 {
		for _, iv := range []string{"hour", "day"} {
			cur := standin.BucketStart(iv, time.Unix(ts, 0))
			prevStart := standin.BucketStart(iv, cur.Add(-time.Second))
			want := fleet.BucketOf(pid, iv, prevStart, f.now)
			labels := `{account="mine",project_id="` + pid + `",interval="` + iv + `",window="previous"}`
			if got, ok := p.at("trro_sessions"+labels, ts); !ok || got != float64(want.SessionNum) {
				t.Errorf("%s at %s: trro_sessions %g (%v), the stand-in's bucket %d", iv, time.Unix(ts, 0).UTC(), got, ok, want.SessionNum)
			}
			if got, ok := p.at("trro_session_duration_seconds"+labels, ts); !ok || got != float64(want.TotalDuration*60) {
				t.Errorf("%s: duration %g, want %d", iv, got, want.TotalDuration*60)
			}
			curLabels := strings.Replace(labels, "previous", "current", 1)
			if _, ok := p.at("trro_sessions"+curLabels, ts); ok {
				t.Errorf("%s at %d: the filling bucket's final figure shown as then", iv, ts)
			}
			if got, ok := p.at("trro_session_interval_start_timestamp_seconds"+curLabels, ts); !ok || got != float64(cur.Unix()) {
				t.Errorf("%s: current bucket start %g, want %d", iv, got, cur.Unix())
			}
			checked++
		}
	}
	if checked < 10 {
		t.Fatalf("%d checks", checked)
	}
}

// Every point the API serves is counted once, in the step it falls in:
// the increase of a device's histogram count between two steps is the
// points the stand-in serves for it in between, across sessions that span
// the steps and answers that overlap.
func TestPointsCountedOnce(t *testing.T) {
	f := newFixture(t, smallSpec, 5*time.Hour, "session_details")
	run(t, f)
	p := parseOutput(t, f.opts.Output)
	t1, t2 := f.opts.From.Unix()+3600, f.opts.To.Unix()-1800
	c1, n1 := p.sumAt(t1, "trro_session_video_latency_seconds_count{")
	c2, n2 := p.sumAt(t2, "trro_session_video_latency_seconds_count{")
	if n1 == 0 || n2 == 0 {
		t.Fatalf("no counts at the steps (%d, %d series)", n1, n2)
	}
	want := servedPoints(t, f, t1, t2)
	if got := c2 - c1; got != float64(want) || want < 1000 {
		t.Errorf("counted %g points between the steps, the stand-in served %d", got, want)
	}
	// The stand-in's own count (the end-to-end test's) agrees.
	if n := f.sim.At(f.now).VideoLatencyPoints(t1, t2, f.now.Unix()); n != want {
		t.Errorf("the stand-in counts %d points, serves %d", n, want)
	}
}

// servedPoints asks the stand-in for the details of every session and
// counts the non-null VideoLatency points in (t1, t2].
func servedPoints(t *testing.T, f *fixture, t1, t2 int64) int {
	t.Helper()
	client := f.client(t)
	n := 0
	for _, s := range f.sim.At(f.now).Sessions {
		if s.EndTime <= t1 || s.StartTime > t2 {
			continue
		}
		seen := map[string]bool{}
		for from := s.StartTime; from <= min(s.EndTime, t2); {
			ds, err := client.DescribeDeviceSessionDetails(context.Background(), s.ID, from, s.EndTime)
			if err != nil {
				t.Fatal(err)
			}
			last := from
			for _, d := range ds {
				for i, off := range d.TimeOffset {
					at := d.StartTime.Value + int64(off.Value)
					last = max(last, at)
					key := fmt.Sprint(d.DeviceID, at)
					if at > t1 && at <= t2 && !seen[key] && i < len(d.VideoLatency) && d.VideoLatency[i].Valid {
						seen[key] = true
						n++
					}
				}
			}
			if last <= from {
				break
			}
			from = last + 1
		}
	}
	return n
}

func (f *fixture) client(t *testing.T) *trro.Client {
	acc := f.opts.Accounts[0]
	opts := acc.Config.ClientOptions(acc.Credential)
	opts.RateLimit = 1000
	c, err := trro.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// An interrupted run leaves no output, only its work directory; --resume
// goes on from the API's answers it kept, asking none of them again, and
// writes what an uninterrupted run writes, each sample once.
func TestResume(t *testing.T) {
	collectors := []string{"sessions", "usage", "recent_sessions", "session_details"}
	whole := newFixture(t, smallSpec, 4*time.Hour, collectors...)
	wholeRep := run(t, whole)

	f := newFixture(t, smallSpec, 4*time.Hour, collectors...)
	ctx, cancel := context.WithCancel(context.Background())
	var details atomic.Int64
	f.opts.Reserved = func(action string, _ time.Time) {
		if action == trro.ActionDescribeDeviceSessionDetails && details.Add(1) == 15 {
			cancel() // mid-run, after the sizing
		}
	}
	_, err := Run(ctx, f.opts)
	if err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("interrupted run: %v", err)
	}
	if _, err := os.Stat(f.opts.Output); !os.IsNotExist(err) {
		t.Fatalf("an interrupted run left %s: %v", f.opts.Output, err)
	}
	firstCalls := f.srv.Calls(trro.ActionDescribeDeviceSessionDetails)

	// Without --resume the work directory is not silently reused.
	f.opts.Reserved = nil
	if _, err := Run(context.Background(), f.opts); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("a second run without --resume: %v", err)
	}
	f.opts.Resume = true
	rep := run(t, f)
	// A call the interrupt cut off in flight (its answer never came) is
	// asked again; none whose answer came is. In flight at once: the
	// read-ahead's workers and the collector's reads (the session live and
	// the one that just ended).
	inFlight := prefetchWorkers + 2
	if got, want := f.srv.Calls(trro.ActionDescribeDeviceSessionDetails), whole.srv.Calls(trro.ActionDescribeDeviceSessionDetails); got < want || got > want+inFlight {
		t.Errorf("details calls: %d (first run %d) over both runs, %d in an uninterrupted one: answers asked twice", got, firstCalls, want)
	}
	if rep.Samples != wholeRep.Samples {
		t.Errorf("%d samples after resuming, %d uninterrupted", rep.Samples, wholeRep.Samples)
	}
	a, _ := os.ReadFile(whole.opts.Output)
	b, _ := os.ReadFile(f.opts.Output)
	// The same samples; a sum may differ in its last bits, the points of
	// two sessions of one device read at one step being added in the order
	// their reads end.
	if la, lb := sortedLines(a), sortedLines(b); !sameSamples(la, lb) {
		t.Errorf("the resumed output differs from an uninterrupted run's: %s", lineDiff(la, lb))
	}
}

// sameSamples tells whether two outputs have the same lines, but for
// values within a relative 1e-9 of each other.
func sameSamples(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	values := map[string]string{} // series and timestamp → value, of a
	for _, l := range a {
		if f := strings.Fields(l); len(f) == 3 {
			values[f[0]+" "+f[2]] = f[1]
		}
	}
	for _, l := range b {
		f := strings.Fields(l)
		if len(f) != 3 {
			if _, found := slices.BinarySearch(a, l); !found {
				return false
			}
			continue
		}
		va, errA := strconv.ParseFloat(values[f[0]+" "+f[2]], 64)
		vb, errB := strconv.ParseFloat(f[1], 64)
		if errA != nil || errB != nil || math.Abs(va-vb) > 1e-9*max(math.Abs(va), math.Abs(vb)) {
			return false
		}
	}
	return true
}

// lineDiff names a few lines one sorted list has and the other has not.
func lineDiff(a, b []string) string {
	var only []string
	for _, l := range a {
		if _, found := slices.BinarySearch(b, l); !found && len(only) < 3 {
			only = append(only, "-"+l)
		}
	}
	for _, l := range b {
		if _, found := slices.BinarySearch(a, l); !found && len(only) < 6 {
			only = append(only, "+"+l)
		}
	}
	return strings.Join(only, "\n")
}

func sortedLines(b []byte) []string {
	lines := strings.Split(string(b), "\n")
	slices.Sort(lines)
	return lines
}

// The run keeps to its own rate per action (the limiter's decisions), so
// that with a running exporter on the same account, limited to the rest,
// no second of any action exceeds the API's limit.
func TestRateLimitSharedWithExporter(t *testing.T) {
	// Scaled up 10x to keep the test short: the API's 20/s is 200 here,
	// the backfill takes 50, the exporter the other 150.
	const apiLimit, backfillRate, exporterRate = 200, 50, 150
	f := newFixture(t, smallSpec, 4*time.Hour, "sessions", "usage", "session_details")
	f.opts.RateLimit = backfillRate
	var mu sync.Mutex
	at := map[string][]time.Time{} // both clients' decisions, by action
	own := map[string][]time.Time{}
	record := func(mine bool) func(string, time.Time) {
		return func(action string, t time.Time) {
			mu.Lock()
			defer mu.Unlock()
			at[action] = append(at[action], t)
			if mine {
				own[action] = append(own[action], t)
			}
		}
	}
	f.opts.Reserved = record(true)

	// The running exporter, scraping in a loop meanwhile.
	acc := f.opts.Accounts[0]
	opts := acc.Config.ClientOptions(acc.Credential)
	opts.RateLimit, opts.Reserved = exporterRate, record(false)
	client, err := trro.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	live := collector.New(acc.Config, collector.Deps{API: client})
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			live.WriteRound(ctx, nopSink{})
		}
	})
	rep := run(t, f)
	stop()
	wg.Wait()
	// A round cut short by the cancel may leave fetches finishing in the
	// background (they fill the cache for the next scrape): read the
	// records under the lock.
	mu.Lock()
	defer mu.Unlock()

	if rep.Calls < 20 {
		t.Fatalf("only %d backfill calls", rep.Calls)
	}
	gap := time.Duration(float64(time.Second) / backfillRate)
	for action, ts := range own {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(ts); i++ {
			if d := ts[i].Sub(ts[i-1]); d < gap-time.Millisecond {
				t.Fatalf("%s: backfill calls %s apart, its rate allows %s", action, d, gap)
			}
		}
	}
	for action, ts := range at {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i := range ts {
			j := i
			for j < len(ts) && ts[j].Sub(ts[i]) < time.Second {
				j++
			}
			if j-i > apiLimit {
				t.Fatalf("%s: %d calls within a second from both, the API allows %d", action, j-i, apiLimit)
			}
		}
	}
}

type nopSink struct{}

func (nopSink) Sample(*collector.Family, float64, ...string)                      {}
func (nopSink) Histogram(*collector.Family, []uint64, uint64, float64, ...string) {}

// A session whose details the API no longer keeps is skipped and counted,
// not fatal; --dry-run prints the budget, makes only the sizing calls and
// writes nothing; the budget is the calls the run makes.
func TestGoneSessionsAndDryRun(t *testing.T) {
	f := newFixture(t, smallSpec, 18*time.Hour, "sessions", "usage", "session_details")
	f.srv.DetailsKept = 12 * time.Hour
	f.srv.MaxPageSize = 3 // a day's session list takes several pages
	var out strings.Builder
	f.opts.Progress, f.opts.DryRun = &out, true
	dry := run(t, f)
	if _, err := os.Stat(f.opts.Output); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote %s", f.opts.Output)
	}
	if n := f.srv.Calls(trro.ActionDescribeDeviceSessionDetails); n != 0 {
		t.Errorf("a dry run made %d details calls", n)
	}
	if !strings.Contains(out.String(), "backfill budget:") || !strings.Contains(out.String(), trro.ActionDescribeDeviceSessionDetails) {
		t.Errorf("no budget printed:\n%s", out.String())
	}
	if _, err := os.Stat(f.opts.Output + ".work"); !os.IsNotExist(err) {
		t.Errorf("a dry run left its work directory: %v", err)
	}
	before := map[string]int{}
	for action := range dry.Budget.Calls {
		before[action] = f.srv.Calls(action)
	}
	f.opts.DryRun = false
	total := f.srv.Calls("")
	rep := run(t, f)
	if got := int64(f.srv.Calls("") - total); rep.Calls != got {
		t.Errorf("the run reports %d calls, the API served %d", rep.Calls, got)
	}
	if rep.Gone == 0 {
		t.Error("no session counted as gone, with details kept 12h over 21h back")
	}
	for _, action := range []string{trro.ActionDescribeSessionStatisticsByInterval, trro.ActionGetTotalDuration, trro.ActionDescribeDeviceSessionList} {
		if got, want := f.srv.Calls(action)-before[action], dry.Budget.Calls[action]; int64(got) != want {
			t.Errorf("%s: %d calls made, the budget said %d", action, got, want)
		}
	}
	// Details: the budget counts pages as if every session were kept.
	if got, want := int64(f.srv.Calls(trro.ActionDescribeDeviceSessionDetails)), dry.Budget.Calls[trro.ActionDescribeDeviceSessionDetails]; got > want {
		t.Errorf("details: %d calls, more than the budget's %d", got, want)
	}
}

// Memory follows the fleet, not the range: a session's points leave memory
// once the collector has read them after it ended (the lists stay two
// days), so of one console's back-to-back sessions a few are held at once.
func TestSessionsHeldBoundedByFleet(t *testing.T) {
	f := newFixture(t, smallSpec, 8*time.Hour, "session_details")
	most, steps := 0, 0
	f.opts.held = func(n int) { most, steps = max(most, n), steps+1 }
	rep := run(t, f)
	if steps != rep.Steps || steps < 90 || rep.Budget.Sessions < 10 {
		t.Fatalf("told of %d steps, the run made %d over %d sessions", steps, rep.Steps, rep.Budget.Sessions)
	}
	// One console drives one session at a time: the one that just ended
	// waits for its last read, the next hour's (two at most) are read
	// ahead.
	if most > 4 {
		t.Errorf("%d sessions' points held at once, of %d over the range", most, rep.Budget.Sessions)
	}
}

// Sessions about to start are read while the steps before them replay: a
// session's pages come one after another, so only reading several
// sessions at once keeps a run at its rate limit, not at one round trip at
// a time.
func TestSessionsReadAhead(t *testing.T) {
	f := newFixture(t, standin.Spec{Projects: 2, DevicesPerProject: 3}, 3*time.Hour, "session_details")
	f.srv.Latency = 20 * time.Millisecond
	run(t, f)
	if n := f.srv.PeakInFlight(); n < 3 {
		t.Errorf("at most %d calls in flight at once: sessions are not read ahead", n)
	}
}
