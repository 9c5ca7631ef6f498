package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

// The backfill's fleet: the stand-in's simulation (the fleet of --demo),
// whose consoles drive around the clock, so that every day of the past has
// sessions and per-second details.
const (
	backfillPageSize = 100 // the stand-in's cap on PageSize, as in the scrape bench
	detailsPerAnswer = 600 // points in one DescribeDeviceSessionDetails answer
	usageStep        = time.Hour
)

// backfillResult is one run of `trro_exporter backfill` over a range of
// the stand-in's past, in a process of its own.
type backfillResult struct {
	Days              int
	Sessions          int // sessions overlapping the range
	Samples           int64
	OutputMiB         float64
	Calls, MinCalls   map[string]int
	WallSec, BoundSec float64
	CPUSec            float64
	PeakRSSMiB        float64
}

func (r backfillResult) calls() (n, minimum int) { return sum(r.Calls), sum(r.MinCalls) }

var wrote = regexp.MustCompile(`wrote \S+: (\d+) samples in (\d+) steps, (\d+) API calls`)

// runBackfills backfills each range of days from a fresh stand-in and
// prints a table.
func runBackfills(w io.Writer, standinBin, exporterBin, days string, projects, perProject int, latency time.Duration) error {
	var rs []backfillResult
	for _, s := range strings.Split(days, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad range %q: whole days, at least 1", s)
		}
		r, err := measureBackfill(standinBin, exporterBin, n, projects, perProject, latency)
		if err != nil {
			return fmt.Errorf("%d days: %w", n, err)
		}
		rs = append(rs, r)
		fmt.Fprintf(os.Stderr, "trro-bench: backfill of %d days done\n", n)
	}
	fmt.Fprintf(w, "Backfill: %d project(s) of %d devices (the simulation: a third are consoles, each driving its share of the machines; the first console drives around the clock), API latency %v, --rate-limit %g, --step 1m, session_details and session_quality on; %s/%s, %d CPUs, %s\n\n",
		projects, perProject, latency, rateLimit, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintln(w, "| days | sessions | samples | output MiB | API calls | minimum | ratio | details calls | minimum | wall s | rate-limit bound s | ratio | CPU s | peak RSS MiB | RSS ratio to the first |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		calls, minimum := r.calls()
		d := trro.ActionDescribeDeviceSessionDetails
		fmt.Fprintf(w, "| %d | %d | %d | %.1f | %d | %d | %.2f | %d | %d | %.1f | %.1f | %.2f | %.1f | %.0f | %.2f |\n",
			r.Days, r.Sessions, r.Samples, r.OutputMiB, calls, minimum, float64(calls)/float64(minimum), r.Calls[d], r.MinCalls[d],
			r.WallSec, r.BoundSec, r.WallSec/r.BoundSec, r.CPUSec, r.PeakRSSMiB, r.PeakRSSMiB/rs[0].PeakRSSMiB)
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		fmt.Fprintf(w, "- %d days, calls per action (made / minimum):", r.Days)
		for _, a := range slices.Sorted(maps.Keys(r.MinCalls)) {
			fmt.Fprintf(w, " %s %d / %d;", a, r.Calls[a], r.MinCalls[a])
		}
		fmt.Fprintln(w)
	}
	return nil
}

func measureBackfill(standinBin, exporterBin string, days, projects, perProject int, latency time.Duration) (backfillResult, error) {
	r := backfillResult{Days: days}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := startStandin(ctx, standinBin, projects, perProject, 0, latency, 0, "-simulation")
	if err != nil {
		return r, err
	}
	dir, err := os.MkdirTemp("", "trro-bench-backfill")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, []byte("name: bench\nendpoint: "+base+"\ncollectors: {session_details: true, session_quality: true}\n"), 0o600); err != nil {
		return r, err
	}
	// Absolute times, so that the minimum below counts the same range.
	now := time.Now()
	to := now.Add(-3 * time.Hour).Truncate(time.Minute)
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	out := filepath.Join(dir, "history.om")
	cmd := exec.Command(exporterBin, "backfill", "--config.file="+cfg, "--from="+from.UTC().Format(time.RFC3339), "--to="+to.UTC().Format(time.RFC3339),
		"--step=1m", fmt.Sprintf("--rate-limit=%g", rateLimit), "--output="+out)
	cmd.Env = append(os.Environ(), "TENCENTCLOUD_SECRET_ID="+secretID, "TENCENTCLOUD_SECRET_KEY="+secretKey)
	cmd.Stderr = io.Discard // the progress lines
	began := time.Now()
	stdout, err := cmd.Output()
	r.WallSec = time.Since(began).Seconds()
	if err != nil {
		return r, fmt.Errorf("backfill: %v\n%s", err, stdout)
	}
	m := wrote.FindSubmatch(stdout)
	if m == nil {
		return r, fmt.Errorf("backfill printed no summary: %s", stdout)
	}
	r.Samples, _ = strconv.ParseInt(string(m[1]), 10, 64)
	reported, _ := strconv.Atoi(string(m[3]))
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSSMiB = float64(ru.Maxrss) / 1024
		r.CPUSec = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	if fi, err := os.Stat(out); err == nil {
		r.OutputMiB = float64(fi.Size()) / (1 << 20)
	}
	st, err := standinStats(base)
	if err != nil {
		return r, err
	}
	r.Calls = st.Calls
	if sum(r.Calls) != reported {
		return r, fmt.Errorf("the backfill reports %d calls, the stand-in served %d", reported, sum(r.Calls))
	}
	fleet := standin.NewSimulation(standin.Spec{Projects: projects, DevicesPerProject: perProject}, now).At(now)
	r.MinCalls, r.Sessions = minimumBackfillCalls(fleet, from, to)
	for _, v := range r.MinCalls {
		r.BoundSec = max(r.BoundSec, float64(v)/rateLimit)
	}
	return r, nil
}

// minimumBackfillCalls is the fewest calls that read the range's history
// as the API limits it, each action at its own rate: the project list; one
// statistics call per project (the API documents no range limit); a
// project's sessions of the range in full pages; every session's points in
// the range, 600 to an answer; usage: per project, the distinct questions
// of the month to date at each usage step and of the month before. Details
// are what the range is made of, the rest is small beside them.
func minimumBackfillCalls(f *standin.Fleet, from, to time.Time) (map[string]int, int) {
	calls := map[string]int{trro.ActionDescribeProjectList: 1}
	sessions := 0
	for _, p := range f.Projects {
		calls[trro.ActionDescribeSessionStatisticsByInterval]++
		n := 0
		for _, s := range f.Sessions {
			if s.ProjectID != p.ID || s.EndTime < from.Unix() || s.StartTime > to.Unix() {
				continue
			}
			n++
			points := min(s.EndTime, to.Unix()) - max(s.StartTime, from.Unix()) + 1
			calls[trro.ActionDescribeDeviceSessionDetails] += int((points + detailsPerAnswer - 1) / detailsPerAnswer)
		}
		sessions += n
		calls[trro.ActionDescribeDeviceSessionList] += max((n+backfillPageSize-1)/backfillPageSize, 1)
		// The questions: a month to date at each usage step, each month
		// before one of the range to its last step (the same question as
		// that month to date at its last step, when the range holds it).
		asked := map[[2]int64]bool{} // Unix seconds: times of two zones compare equal
		for t := from; !t.After(to); t = t.Add(usageStep) {
			cur, prev := collector.UsageMonths(t)
			asked[[2]int64{cur.Unix(), later(t.Truncate(usageStep), cur).Unix()}] = true
			asked[[2]int64{prev.Unix(), later(cur.Add(-time.Second).Truncate(usageStep), prev).Unix()}] = true
		}
		calls[trro.ActionGetTotalDuration] += len(asked)
	}
	return calls, sessions
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
