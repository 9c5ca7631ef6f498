package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

// runCheck is --config.check: the summary, the budget (unless offline),
// then the verdict, which says OK only when every check passed. What is
// wrong goes to errw as plain lines a person reads.
func runCheck(ctx context.Context, f *flags, cfg *config.Config, loadErr error, w, errw io.Writer) int {
	failed := func(msg string) int {
		fmt.Fprintf(errw, "%s: config check failed: %s\n", name, msg)
		return 1
	}
	if loadErr != nil {
		return failed(loadErr.Error())
	}
	if msg := checkConfig(cfg, f.configFile, w); msg != "" {
		return failed(msg)
	}
	if f.checkOffline {
		fmt.Fprintln(w, "configuration OK (offline: the API was not called)")
		return 0
	}
	if code := printBudget(ctx, cfg, f.checkInterval, w, errw); code != 0 {
		return code
	}
	fmt.Fprintln(w, "configuration OK")
	return 0
}

// checkConfig prints what the exporter would do, account by account,
// without any secret; it returns what is wrong ("" when nothing).
func checkConfig(cfg *config.Config, file string, w io.Writer) string {
	sources := make([]string, len(cfg.Accounts))
	for i := range cfg.Accounts {
		src, err := cfg.Accounts[i].CredentialSource()
		if err != nil {
			if len(cfg.Accounts) > 1 {
				return "account " + cfg.Accounts[i].Name + ": " + err.Error()
			}
			return err.Error()
		}
		sources[i] = src
	}
	if file == "" {
		file = "(none: defaults)"
	}
	fmt.Fprintf(w, "configuration:\n")
	fmt.Fprintf(w, "  config file:          %s\n", file)
	for i := range cfg.Accounts {
		acc := &cfg.Accounts[i]
		if len(cfg.Accounts) > 1 {
			fmt.Fprintf(w, "account %s:\n", acc.Name)
		}
		printAccount(w, acc, sources[i])
	}
	return ""
}

// printAccount prints one account's settings.
func printAccount(w io.Writer, acc *config.Account, src string) {
	projects := "all, discovered with DescribeProjectList"
	if len(acc.Projects) > 0 {
		projects = strings.Join(acc.Projects, ", ")
	}
	if acc.Include != "" || acc.Exclude != "" {
		projects += fmt.Sprintf(" (names: include %q, exclude %q)", acc.Include, acc.Exclude)
	}
	fmt.Fprintf(w, "  credentials:          %s\n", src)
	fmt.Fprintf(w, "  endpoint:             %s\n", acc.Endpoint)
	fmt.Fprintf(w, "  region:               %s\n", acc.Region)
	fmt.Fprintf(w, "  projects:             %s\n", projects)
	if acc.DeviceExclude != "" {
		fmt.Fprintf(w, "  devices left out:     id or name matching %q\n", acc.DeviceExclude)
	}
	if len(acc.Labels) > 0 {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(acc.Labels)) {
			kv = append(kv, fmt.Sprintf("%s=%q", k, acc.Labels[k]))
		}
		fmt.Fprintf(w, "  labels:               %s\n", strings.Join(kv, ", "))
	}
	rs := collector.SettingsOf[collector.RoundSettings](acc)
	fmt.Fprintf(w, "  statistic intervals:  %s\n", strings.Join(collector.SettingsOf[collector.SessionsSettings](acc).StatisticIntervals, ", "))
	fmt.Fprintf(w, "  collectors:           %s\n", strings.Join(collector.Enabled(acc), ", "))
	fmt.Fprintf(w, "  scrape timeout:       %s (request timeout %s, max retries %d)\n", acc.ScrapeTimeout, acc.RequestTimeout, acc.MaxRetries)
	fmt.Fprintf(w, "  rate limit:           %g requests/s per action, %d concurrent\n", acc.RateLimit, acc.MaxConcurrency)
	fmt.Fprintf(w, "  pagination:           %d items per page, at most %d pages\n", acc.PageSize, acc.MaxPages)
	fmt.Fprintf(w, "  devices:              at most %d per project\n", rs.MaxDevicesPerProject)
	fmt.Fprintf(w, "  sessions:             active within %s; quality over the last %s\n", rs.ActiveSessionWindow,
		collector.SettingsOf[collector.SessionQualitySettings](acc).Lookback)
}

// printBudget sizes each account's fleet through the API and prints what
// the configuration costs it (rate limits are per account), as the enabled
// collectors declare it. Credentials that cannot be read or that the API
// rejects, and an endpoint that cannot be reached, fail the check (exit 1)
// with one line saying what to fix; other API errors only leave the budget
// out.
func printBudget(ctx context.Context, cfg *config.Config, interval time.Duration, w, errw io.Writer) int {
	if interval <= 0 {
		interval = time.Minute
	}
	if err := config.SharedKeys(cfg.Accounts); err != nil {
		fmt.Fprintf(errw, "%s: config check failed: %v\n", name, err)
		return 1
	}
	code := 0
	for i := range cfg.Accounts {
		acc := &cfg.Accounts[i]
		prefix := ""
		if len(cfg.Accounts) > 1 {
			prefix = "account " + acc.Name + ": "
			fmt.Fprintf(w, "account %s:\n", acc.Name)
		}
		if msg := accountBudget(ctx, acc, interval, w, errw); msg != "" {
			fmt.Fprintf(errw, "%s: config check failed: %s%s\n", name, prefix, msg)
			code = 1
		}
	}
	return code
}

// accountBudget prints one account's budget, built with the constructor
// the server uses; it returns what to fix when the account cannot work.
func accountBudget(ctx context.Context, acc *config.Account, interval time.Duration, w, errw io.Writer) string {
	src, _ := acc.CredentialSource()
	cred, err := acc.Resolve()
	if err != nil {
		return err.Error()
	}
	built, err := newAccount(*acc, cred, nil, log.NewNopLogger())
	if err != nil {
		return err.Error()
	}
	defer built.client.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	lists := built.exporter.Lists()
	fleet, err := plan.Size(ctx, built.client, acc.Projects, acc.Filters().KeepProject, lists, time.Now(), newProgress(errw))
	if err != nil {
		if msg := checkFailure(err, acc.Endpoint, src); msg != "" {
			return msg
		}
		fmt.Fprintf(w, "WARNING: no API budget: cannot size the fleet: %v\n", err)
		return ""
	}
	fmt.Fprintf(w, "fleet: %s\n", fleet.Describe(lists))
	s := plan.Settings{
		RateLimit: acc.RateLimit, ScrapeInterval: interval, ScrapeTimeout: time.Duration(acc.ScrapeTimeout),
		MinInterval: map[string]time.Duration{},
	}
	for n, cs := range acc.CollectorSettings {
		s.MinInterval[n] = time.Duration(cs.MinInterval)
	}
	plan.Compute(built.exporter.Demands(fleet), s).Print(w, s)
	series := built.exporter.Series(fleet)
	for _, n := range slices.Sorted(maps.Keys(series)) {
		e := series[n]
		fmt.Fprintf(w, "series of %s: about %d now, at most %d (%s)\n", n, e.Now, e.Max, e.How)
	}
	return ""
}

// newProgress reports sizing on w: on a terminal, one line kept up to date
// (calls done, elapsed); elsewhere, a line when a stage starts and ends.
func newProgress(w io.Writer) plan.Progress {
	start := time.Now()
	f, ok := w.(*os.File)
	terminal := ok && isTerminal(f)
	var mu sync.Mutex
	last := time.Time{}
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		elapsed := time.Since(start).Round(100 * time.Millisecond)
		switch {
		case terminal && (done == total || time.Since(last) > 200*time.Millisecond):
			last = time.Now()
			fmt.Fprintf(w, "\rsizing the fleet: %s: %d/%d calls, %s  ", stage, done, total, elapsed)
			if done == total {
				fmt.Fprintln(w)
			}
		case !terminal && done == 0:
			fmt.Fprintf(w, "sizing the fleet: %s (%d calls)\n", stage, total)
		case !terminal && done == total:
			fmt.Fprintf(w, "sizing the fleet: %s: done, %s\n", stage, elapsed)
		}
	}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// checkFailure says what to fix when err means the exporter cannot work:
// the API rejects the credentials or denies the actions, or the endpoint
// cannot be reached.
func checkFailure(err error, endpoint, source string) string {
	for _, e := range trro.Flatten(err) {
		te, ok := trro.AsError(e)
		switch {
		case !ok:
		case te.CredentialsRejected():
			return fmt.Sprintf("the API rejects the credentials from %s: it answered %s to %s (RequestId %s): check the key pair",
				source, te.Code, te.Action, te.RequestID)
		case te.Denied():
			return fmt.Sprintf("the API takes the credentials from %s but denies %s: it answered %s (RequestId %s): check the key's CAM policy",
				source, te.Action, te.Code, te.RequestID)
		case te.Code == trro.CodeNetworkError, te.Code == trro.CodeTimeout, te.Code == trro.CodeHTTPError:
			return fmt.Sprintf("cannot reach the endpoint %s: %s: %s: check endpoint (trro.tencentcloudapi.com, or trro.intl.tencentcloudapi.com for the international site)",
				endpoint, te.Code, te.Message)
		}
	}
	return ""
}
