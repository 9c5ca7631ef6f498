package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/trro-exporter/trro_exporter/backfill"
	"github.com/trro-exporter/trro_exporter/config"
)

const backfillHelp = `Write the API's past as OpenMetrics text with timestamps, for ` +
	"`promtool tsdb create-blocks-from openmetrics`" + `: session statistics, usage, and past sessions with their per-second details, as the running exporter would have shown them, series for series. Prints what it will cost in API calls first (--dry-run stops there). Licences and device state have no history in the API and are not backfilled.`

// labelName is a label name every Prometheus version takes.
var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// backfillFlags are the backfill command's.
type backfillFlags struct {
	from, to        string
	step, usageStep time.Duration
	rateLimit       float64
	output          string
	dryRun, resume  bool
	accounts        []string
	labels          map[string]string
}

func (b *backfillFlags) add(cmd *kingpin.CmdClause) {
	b.labels = map[string]string{}
	cmd.Flag("from", "Start of the range: a time (RFC 3339, or 2006-01-02) or how long ago (30d, 12h).").Default("30d").StringVar(&b.from)
	cmd.Flag("to", "End of the range, as --from. The default leaves the last 3 hours, which Prometheus' head block holds, to the running exporter.").Default("3h").StringVar(&b.to)
	cmd.Flag("step", "Spacing of the samples: at most Prometheus' 5m look-back keeps lines continuous; rate() over $__rate_interval needs two samples in it.").Default("1m").DurationVar(&b.step)
	cmd.Flag("usage-step", "How often usage is asked for (one call per project each time); between, the last answer is held.").Default("1h").DurationVar(&b.usageStep)
	cmd.Flag("rate-limit", "Requests per second per action this run makes. The API allows 20 per action and account: the rest is left to a running exporter on the same account.").Default("5").Float64Var(&b.rateLimit)
	cmd.Flag("output", "The OpenMetrics file to write. Until it is complete, the run works in OUTPUT.work (the API's answers, for --resume).").Default("trro-backfill.om").StringVar(&b.output)
	cmd.Flag("dry-run", "Size the range, print the API budget and stop.").BoolVar(&b.dryRun)
	cmd.Flag("resume", "Go on with an interrupted run: the answers in OUTPUT.work are not asked again.").BoolVar(&b.resume)
	cmd.Flag("label", "A target label to add to every series, name=value, as Prometheus adds the scrape target's: give the running exporter's job and instance (see up{job=\"trro\"}) so that backfilled and scraped series are one. Repeatable; job is trro unless given.").StringMapVar(&b.labels)
	cmd.Flag("account", "Backfill this account only (repeatable; default: every account).").StringsVar(&b.accounts)
}

// parseWhen reads a time: RFC 3339, a date, or a duration ago (with d for
// days).
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 {
			return now.Add(-time.Duration(n * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a time (2026-11-01, 2026-11-01T00:00:00Z) nor how long ago (30d, 12h)", s)
}

func runBackfill(ctx context.Context, f *flags, cfg *config.Config, loadErr error, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "%s backfill: "+format+"\n", append([]any{name}, a...)...)
		return 1
	}
	if loadErr != nil {
		return fail("%v", loadErr)
	}
	b := f.backfill
	now := time.Now()
	from, err := parseWhen(b.from, now)
	if err != nil {
		return fail("--from: %v", err)
	}
	to, err := parseWhen(b.to, now)
	if err != nil {
		return fail("--to: %v", err)
	}
	opts := backfill.Options{From: from.Truncate(b.step), To: to.Truncate(b.step), Step: b.step, UsageStep: b.usageStep,
		RateLimit: b.rateLimit, Output: b.output, DryRun: b.dryRun, Resume: b.resume, Progress: stderr, TargetLabels: b.labels}
	if _, ok := b.labels["job"]; !ok {
		b.labels["job"] = "trro"
	}
	for k := range b.labels {
		if !labelName.MatchString(k) || strings.HasPrefix(k, "__") {
			return fail("--label %s: not a label name", k)
		}
	}
	if file, ok := stderr.(*os.File); ok {
		opts.Terminal = isTerminal(file)
	}
	if opts.Accounts, err = backfillAccounts(cfg, b.accounts); err != nil {
		return fail("%v", err)
	}
	rep, err := backfill.Run(ctx, opts)
	if err != nil {
		return fail("%v", err)
	}
	if b.dryRun {
		fmt.Fprintf(stdout, "dry run: %d API calls would be made; %d made to size the range\n", rep.Budget.Total(), rep.Calls)
		return 0
	}
	fmt.Fprintf(stdout, "wrote %s: %d samples in %d steps, %d API calls", b.output, rep.Samples, rep.Steps, rep.Calls)
	if rep.Gone > 0 {
		fmt.Fprintf(stdout, "; %d sessions skipped: the API no longer keeps their details", rep.Gone)
	}
	fmt.Fprintf(stdout, "\nnext: promtool tsdb create-blocks-from openmetrics %s DATA_DIR\n", b.output)
	return 0
}

// backfillAccounts are the config's accounts named by --account (every
// one when none is named), with their credentials resolved.
func backfillAccounts(cfg *config.Config, names []string) ([]backfill.Account, error) {
	want := map[string]bool{}
	for _, a := range names {
		want[a] = true
	}
	var out []backfill.Account
	for i := range cfg.Accounts {
		acc := cfg.Accounts[i]
		if len(want) > 0 && !want[acc.Name] {
			continue
		}
		delete(want, acc.Name)
		cred, err := acc.Resolve()
		if err != nil {
			return nil, fmt.Errorf("account %s: %v", acc.Name, err)
		}
		out = append(out, backfill.Account{Config: acc, Credential: cred})
	}
	for _, a := range names {
		if want[a] {
			return nil, fmt.Errorf("--account %s: no such account in the config", a)
		}
	}
	return out, nil
}
