// Package backfill turns the TRRO API's past into Prometheus history: it
// replays a time range step by step through the live collectors (replay.go
// answers their calls as the API would have at each step, from the
// history it fetched, history.go) and writes what they would have shown as
// OpenMetrics text with timestamps (openmetrics.go), the input of
// `promtool tsdb create-blocks-from openmetrics`.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/trro"
)

// Account is one account to backfill and its resolved key.
type Account struct {
	Config     config.Account
	Credential common.CredentialIface
}

// Options are a backfill run's.
type Options struct {
	Accounts []Account
	// From and To bound the range; Step is the samples' spacing, UsageStep
	// how often usage is asked for.
	From, To        time.Time
	Step, UsageStep time.Duration
	// RateLimit is the run's own requests per second per action: what a
	// running exporter on the same account is left is the API's limit (20)
	// minus this.
	RateLimit float64
	// TargetLabels are added to every series, as Prometheus adds the
	// scrape target's (job, instance): the backfilled series must carry
	// the running exporter's for a panel to draw one line across the join.
	TargetLabels map[string]string
	// Output is the OpenMetrics file written at the end; its work directory
	// (Output + ".work") keeps the API's answers for --resume.
	Output string
	DryRun bool
	Resume bool
	// Progress gets a progress line: redrawn in place on a terminal,
	// otherwise a line now and then.
	Progress io.Writer
	Terminal bool
	// Reserved, if set, is told of every call the rate limiter lets go
	// (tests).
	Reserved func(action string, at time.Time)

	// held, if set, is told after each step how many sessions' points the
	// account keeps in memory (tests).
	held func(sessions int)
}

// Report is what a run did.
type Report struct {
	Budget  Budget
	Calls   int64 // API calls made (a resumed run: those not in the cache)
	Gone    int64 // sessions whose details the API no longer keeps: skipped
	Samples int64
	Steps   int
}

// Collectors without history in the API: never backfilled.
var stateOnly = []string{"licenses", "devices", "device_status", "license_summary"}

func (o *Options) check() error {
	switch {
	case len(o.Accounts) == 0:
		return errors.New("no account to backfill")
	case !o.From.Before(o.To):
		return fmt.Errorf("--from (%s) must be before --to (%s)", o.From.UTC().Format(time.RFC3339), o.To.UTC().Format(time.RFC3339))
	case o.Step < time.Second:
		return fmt.Errorf("--step %s: at least 1s", o.Step)
	case o.UsageStep < o.Step:
		return fmt.Errorf("--usage-step %s: at least --step (%s)", o.UsageStep, o.Step)
	case o.RateLimit <= 0:
		return fmt.Errorf("--rate-limit %g: must be above 0", o.RateLimit)
	case o.Output == "":
		return errors.New("--output: a file name is needed")
	}
	return nil
}

func (o *Options) workDir() string { return o.Output + ".work" }

// Run backfills the range: sizes it, prints the budget, then (unless
// DryRun) replays it and writes Output.
func Run(ctx context.Context, o Options) (Report, error) {
	var rep Report
	if err := o.check(); err != nil {
		return rep, err
	}
	if err := o.prepareWorkDir(); err != nil {
		return rep, err
	}
	runs := make([]*accountRun, 0, len(o.Accounts))
	for _, a := range o.Accounts {
		ar, err := newAccountRun(a, o)
		if err != nil {
			return rep, fmt.Errorf("account %s: %w", a.Config.Name, err)
		}
		defer ar.close()
		runs = append(runs, ar)
	}
	for _, ar := range runs {
		b, err := ar.size(ctx)
		if err != nil {
			return rep, fmt.Errorf("account %s: sizing: %w", ar.name, err)
		}
		rep.Budget.add(b)
	}
	if o.Progress != nil {
		rep.Budget.print(o.Progress, o.RateLimit)
	}
	if o.DryRun {
		// Nothing is left behind: the next run sizes again (a call per
		// project and day) rather than meeting a work directory.
		rep.Calls = sum(runs, func(ar *accountRun) int64 { return ar.h.calls.Load() })
		if !o.Resume {
			return rep, os.RemoveAll(o.workDir())
		}
		return rep, nil
	}
	w, err := o.newOutput()
	if err != nil {
		return rep, err
	}
	defer w.close()
	prog := newProgress(o, len(runs))
	for i, ar := range runs {
		n, err := ar.replay(ctx, w, func(t time.Time) { prog.step(i, t, ar.h.calls.Load()) })
		rep.Steps += n
		if err != nil {
			return rep, fmt.Errorf("account %s at %s: %w (the API's answers so far are kept: re-run with --resume to go on)",
				ar.name, ar.clock().UTC().Format(time.RFC3339), err)
		}
	}
	if err := w.finish(o.Output); err != nil {
		return rep, fmt.Errorf("writing %s: %w", o.Output, err)
	}
	prog.done()
	rep.Calls = sum(runs, func(ar *accountRun) int64 { return ar.h.calls.Load() })
	rep.Gone = sum(runs, func(ar *accountRun) int64 { return ar.h.gone.Load() })
	rep.Samples = w.Samples
	w.close()
	return rep, os.RemoveAll(o.workDir())
}

func sum[T any](xs []T, f func(T) int64) int64 {
	var n int64
	for _, x := range xs {
		n += f(x)
	}
	return n
}

// prepareWorkDir makes the work directory; one left by an earlier run is
// refused unless resuming.
func (o *Options) prepareWorkDir() error {
	dir := o.workDir()
	if _, err := os.Stat(dir); err == nil && !o.Resume {
		return fmt.Errorf("%s holds an earlier run's API answers: --resume to go on with it, or remove it to start again", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "cache"), 0o700); err != nil {
		return err
	}
	return nil
}

// newOutput starts the output afresh: a resumed run replays every step
// from the cached answers, so no sample is written twice.
func (o *Options) newOutput() (*writer, error) {
	parts := filepath.Join(o.workDir(), "parts")
	if err := os.RemoveAll(parts); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(parts, 0o700); err != nil {
		return nil, err
	}
	return newWriter(parts, nil, nil, day), nil
}

// accountRun is one account's replay: its exporter, on the replay API and
// a clock that the steps move.
type accountRun struct {
	name   string
	o      *Options
	client *trro.Client
	h      *history
	api    *replay
	exp    *collector.Exporter
	acc    config.Account

	detailsKeep int64 // seconds a session's points stay in memory after it ended
}

func newAccountRun(a Account, o Options) (*accountRun, error) {
	acc := a.Config
	opts := acc.ClientOptions(a.Credential)
	h := &history{cache: &cache{dir: filepath.Join(o.workDir(), "cache", safeName(acc.Name))}, usageStep: int64(o.UsageStep.Seconds())}
	// Every request counts, a list's pages and retries included.
	opts.RateLimit, opts.Reserved = o.RateLimit, func(action string, at time.Time) {
		h.calls.Add(1)
		if o.Reserved != nil {
			o.Reserved(action, at)
		}
	}
	client, err := trro.NewClient(opts)
	if err != nil {
		return nil, err
	}
	h.api = client
	if err := os.MkdirAll(h.cache.dir, 0o700); err != nil {
		return nil, err
	}
	ar := &accountRun{name: acc.Name, o: &o, client: client, h: h, acc: acc}
	ar.api = &replay{h: h, sessionReach: day}
	ar.configure()
	ar.exp = collector.New(ar.acc, collector.Deps{API: ar.api, Now: ar.clock})
	return ar, nil
}

// configure fits the account's settings to a replay: no collector of state
// without history; a round may take as long as the history's calls do;
// every session is seen live at some step (the active window at least a
// step); a device's live-quality state is kept for the whole range, the
// writer leaving out what stays idle.
func (ar *accountRun) configure() {
	ar.acc.Collectors = maps2(ar.acc.Collectors)
	for _, n := range stateOnly {
		ar.acc.Collectors[n] = false
	}
	ar.acc.ScrapeTimeout = config.Duration(time.Hour)
	rs := collector.SettingsOf[collector.RoundSettings](&ar.acc)
	rs.ActiveSessionWindow = config.Duration(max(time.Duration(rs.ActiveSessionWindow), ar.o.Step))
	// A session's points are read while it is live and once after it
	// ended: past that, they leave memory (a resumed run reads them from
	// disk). Held for the lists' two days, they made memory grow with the
	// fleet's session-days.
	ar.detailsKeep = int64((time.Duration(rs.ActiveSessionWindow) + 2*ar.o.Step).Seconds())
	sd := collector.SettingsOf[collector.SessionDetailsSettings](&ar.acc)
	sd.Retention = config.Duration(ar.o.To.Sub(ar.o.From) + 48*time.Hour)
}

func maps2(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (ar *accountRun) clock() time.Time { return time.Unix(ar.api.now.Load(), 0) }

func (ar *accountRun) close() { ar.client.Close() }

// replay runs the steps from From to To, each a round of the exporter at
// that instant, its samples stamped with it.
func (ar *accountRun) replay(ctx context.Context, w *writer, stepped func(time.Time)) (int, error) {
	w.constNames, w.constVals = nil, nil
	for _, k := range slices.Sorted(maps.Keys(ar.o.TargetLabels)) {
		w.constNames, w.constVals = append(w.constNames, k), append(w.constVals, ar.o.TargetLabels[k])
	}
	names, vals := ar.exp.ConstLabels()
	w.constNames, w.constVals = append(w.constNames, names...), append(w.constVals, vals...)
	step := int64(ar.o.Step.Seconds())
	keep := int64(2*day) + step
	var pre *prefetcher
	if slices.Contains(collector.Enabled(&ar.acc), "session_details") {
		pre = newPrefetcher(ar)
		defer pre.wait()
	}
	n := 0
	for t := ar.o.From.Unix(); t <= ar.o.To.Unix(); t += step {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if pre != nil {
			pre.at(ctx, t)
		}
		ar.api.now.Store(t)
		w.at(t)
		if err := ar.exp.WriteRound(ctx, w); err != nil {
			return n, err
		}
		if w.err != nil {
			return n, w.err
		}
		ar.h.evict(t, keep, ar.detailsKeep)
		if ar.o.held != nil {
			ar.o.held(ar.h.details.len())
		}
		n++
		stepped(time.Unix(t, 0))
	}
	return n, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
