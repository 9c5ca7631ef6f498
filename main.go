// Command trro_exporter exports Tencent Cloud TRRO (Real-time
// Teleoperation) session statistics, licenses and projects to Prometheus.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"
	slogkit "github.com/tjhop/slog-gokit"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

const name = "trro_exporter"

// defaultPort is in the exporters' range 9100-9999.
const defaultPort = ":9688"

// demoListen is where --demo listens without --web.listen-address.
const demoListen = "127.0.0.1:9688"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// flags are the command line, parsed.
type flags struct {
	configFile, metricsPath, endpoint, region, logLevel, logFormat string
	configCheck, checkOffline, noExporterMetrics, demo, listenSet  bool
	disableDefaults                                                bool
	checkInterval, timeoutOffset                                   time.Duration
	maxRequests                                                    int
	web                                                            *web.FlagConfig
	// collectors holds --collector.<name>; set tells which the user gave.
	collectors map[string]*bool
	set        map[string]*bool
}

// parseFlags parses args; it returns a non-zero exit code when the program
// should stop (bad flags, --help, --version).
func parseFlags(args []string, stderr io.Writer) (*flags, int) {
	app := kingpin.New(name, "Prometheus exporter for Tencent Cloud TRRO (Real-time Teleoperation): sessions, session quality and licenses.")
	app.UsageWriter(stderr)
	app.ErrorWriter(stderr)
	f := &flags{collectors: map[string]*bool{}, set: map[string]*bool{}}
	app.Flag("config.file", "Path to the YAML configuration file. Without one the exporter runs on defaults, credentials from the environment and every project discovered.").Default("").StringVar(&f.configFile)
	app.Flag("config.check", "Validate the configuration and credentials source, size the fleet with a few API calls, print a summary and the API budget, and exit.").BoolVar(&f.configCheck)
	app.Flag("config.check.scrape-interval", "Scrape interval the --config.check API budget assumes.").Default("60s").DurationVar(&f.checkInterval)
	app.Flag("config.check.offline", "With --config.check: validate the configuration only, without calling the API.").BoolVar(&f.checkOffline)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.metricsPath)
	app.Flag("web.max-requests", "Maximum number of parallel scrapes served; 0 means no limit.").Default("40").IntVar(&f.maxRequests)
	app.Flag("web.disable-exporter-metrics", "Exclude Go runtime and process metrics of the exporter itself.").BoolVar(&f.noExporterMetrics)
	app.Flag("tencentcloud.endpoint", "TRRO API endpoint: a host, or a URL such as http://127.0.0.1:8080 for a local stand-in. Overrides the config file.").Default("").StringVar(&f.endpoint)
	app.Flag("tencentcloud.region", "Tencent Cloud region sent with every call. Overrides the config file.").Default("").StringVar(&f.region)
	app.Flag("scrape.timeout-offset", "Subtracted from Prometheus' scrape timeout so the answer arrives in time.").Default("500ms").DurationVar(&f.timeoutOffset)
	app.Flag("demo", "Start an in-process TRRO stand-in on loopback and export its demo fleet (no Tencent Cloud account needed).").BoolVar(&f.demo)
	app.Flag("log.level", "Only log messages with the given severity or above. One of: [debug, info, warn, error]").Default("info").StringVar(&f.logLevel)
	app.Flag("log.format", "Output format of log messages. One of: [logfmt, json]").Default("logfmt").StringVar(&f.logFormat)
	app.Flag("collector.disable-defaults", "Turn off every collector that neither a --collector.<name> flag nor the config file turns on.").BoolVar(&f.disableDefaults)
	f.web = kingpinflag.AddFlags(app, defaultPort)
	app.GetFlag("web.listen-address").IsSetByUser(&f.listenSet)
	for _, n := range collector.Names() {
		def := "false"
		if collector.DefaultEnabled(n) {
			def = "true"
		}
		f.collectors[n], f.set[n] = new(bool), new(bool)
		app.Flag("collector."+n, fmt.Sprintf("Enable the %s collector (default: %s). Overrides the config file.", n, def)).
			Default(def).IsSetByUser(f.set[n]).BoolVar(f.collectors[n])
	}
	app.Version(version.Print(name))
	app.HelpFlag.Short('h')
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(stderr, "%s: error: %s, try --help\n", name, err)
		return nil, 2
	}
	// kingpin's enum errors do not name the flag; these do.
	for _, c := range []struct {
		flag, value string
		allowed     []string
	}{
		{"log.level", f.logLevel, []string{"debug", "info", "warn", "error"}},
		{"log.format", f.logFormat, []string{"logfmt", "json"}},
	} {
		if !slices.Contains(c.allowed, c.value) {
			fmt.Fprintf(stderr, "%s: error: --%s: %q is not one of %s\n", name, c.flag, c.value, strings.Join(c.allowed, ", "))
			return nil, 2
		}
	}
	// The mux would panic on a path served twice.
	if slices.Contains(fixedPaths, f.metricsPath) || !strings.HasPrefix(f.metricsPath, "/") {
		fmt.Fprintf(stderr, "%s: error: --web.telemetry-path: %q must start with / and not be one of %s\n", name, f.metricsPath, strings.Join(fixedPaths, ", "))
		return nil, 2
	}
	return f, 0
}

// fixedPaths are served whatever --web.telemetry-path says.
var fixedPaths = []string{probePath, exporterMetricsPath, "/-/healthy", "/-/ready", "/-/reload", "/debug/pprof/"}

// demoOnLoopback makes --demo listen on loopback unless
// --web.listen-address says otherwise: a simulated fleet is for the machine
// it runs on.
func (f *flags) demoOnLoopback() {
	if f.demo && !f.listenSet {
		*f.web.WebListenAddresses = []string{demoListen}
	}
}

// override applies the flags over a loaded config, on start and on every
// reload: flags win over the config file.
func (f *flags) override(cfg *config.Config) {
	for i := range cfg.Accounts {
		acc := &cfg.Accounts[i]
		if f.endpoint != "" {
			acc.Endpoint = f.endpoint
		}
		if f.region != "" {
			acc.Region = f.region
		}
		for n, v := range f.collectors {
			switch _, inConfig := acc.Collectors[n]; {
			case *f.set[n]:
				acc.Collectors[n] = *v
			case f.disableDefaults && !inConfig:
				acc.Collectors[n] = false
			}
		}
	}
}

// run is the whole program; it returns the exit code when ctx ends or on
// error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, code := parseFlags(args, stderr)
	if f == nil {
		return code
	}
	logger, slogger := newLogger(stderr, f.logLevel, f.logFormat)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	override := f.override
	f.demoOnLoopback()
	if f.demo {
		demo, err := startDemo(ctx)
		if err != nil {
			level.Error(logger).Log("msg", "cannot start demo stand-in", "err", err)
			return 1
		}
		level.Info(logger).Log("msg", "demo mode: exporting a simulated fleet from the in-process TRRO stand-in", "endpoint", demo.Endpoint)
		override = func(cfg *config.Config) {
			f.override(cfg)
			for i := range cfg.Accounts {
				cfg.Accounts[i].Endpoint, cfg.Accounts[i].Credentials = demo.Endpoint, demo.Credentials
			}
		}
	}

	a := newApp(logger, f.configFile, override)
	cfg, err := a.loadConfig()
	if err != nil {
		level.Error(logger).Log("msg", "invalid configuration", "err", err)
		return 1
	}
	if f.configCheck || f.checkOffline {
		if code := checkConfig(cfg, f.configFile, stdout, logger); code != 0 || f.checkOffline {
			return code
		}
		return printBudget(ctx, a, cfg, f.checkInterval, stdout, stderr)
	}

	level.Info(logger).Log("msg", "Starting "+name, "version", version.Info())
	level.Info(logger).Log("msg", "Build context", "build_context", version.BuildContext())
	if err := a.start(cfg); err != nil {
		return 1
	}
	go reloadOnHUP(ctx, a, logger)

	mux, err := newMux(f, a, slogger)
	if err != nil {
		level.Error(logger).Log("msg", "cannot build landing page", "err", err)
		return 1
	}
	return serve(ctx, mux, f.web, logger, slogger)
}

// demoAPI is where --demo's in-process stand-in listens and the key it takes.
type demoAPI struct {
	Endpoint    string
	Credentials config.Credentials
}

// startDemo starts the in-process stand-in with a throwaway key made up at
// start.
func startDemo(ctx context.Context) (demoAPI, error) {
	id, key := "AKIDdemo"+fmt.Sprint(time.Now().UnixNano()), fmt.Sprintf("demo-%x", time.Now().UnixNano())
	srv := standin.NewServer(nil, standin.Credential{SecretID: id, SecretKey: key})
	srv.Follow(standin.NewSimulation(standin.DefaultSpec, time.Now()))
	url, err := srv.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		return demoAPI{}, err
	}
	return demoAPI{Endpoint: url, Credentials: config.Credentials{SecretID: id, SecretKey: config.Secret(key)}}, nil
}

func reloadOnHUP(ctx context.Context, a *app, logger log.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			level.Info(logger).Log("msg", "SIGHUP: reloading configuration")
			_ = a.reload()
		case <-ctx.Done():
			return
		}
	}
}

// probePath serves one account's metrics; exporterMetricsPath the
// exporter's own alone (for setups that scrape accounts through probePath).
const (
	probePath           = "/probe"
	exporterMetricsPath = "/exporter-metrics"
)

// newMux routes /metrics, /probe, health, readiness, reload and the landing
// page.
func newMux(f *flags, a *app, slogger *slog.Logger) (*http.ServeMux, error) {
	base := prometheus.NewRegistry()
	base.MustRegister(versioncollector.NewCollector(name), a)
	if !f.noExporterMetrics {
		base.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	errorLog := slog.NewLogLogger(slogger.Handler(), slog.LevelError)
	hopts := collector.HandlerOptions{
		Offset: f.timeoutOffset, MaxRequestsInFlight: f.maxRequests, WriteGrace: 10 * time.Second, ErrorLog: errorLog,
	}
	mux := http.NewServeMux()
	mux.Handle(f.metricsPath, collector.Handler(a.exporters, base, hopts))
	// /probe has a --web.max-requests limit of its own.
	mux.Handle(probePath, collector.ProbeHandler(a.exporters, hopts))
	mux.Handle(exporterMetricsPath, promhttp.HandlerFor(base, promhttp.HandlerOpts{ErrorLog: errorLog}))
	// The landing page links the Go profiles, as the model exporters serve.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "Healthy\n") })
	mux.HandleFunc("/-/ready", a.readyHandler)
	mux.HandleFunc("/-/reload", a.reloadHandler)
	if f.metricsPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name: "TRRO Exporter", Description: "Prometheus exporter for Tencent Cloud TRRO (Real-time Teleoperation)",
			Version: version.Info(),
			Links: []web.LandingLinks{
				{Address: f.metricsPath, Text: "Metrics (every account)"},
				{Address: probePath + "?account=" + a.current.Load().accounts[0].cfg.Name, Text: "Metrics of one account (/probe?account=NAME)"},
				{Address: exporterMetricsPath, Text: "The exporter's own metrics"},
			},
		})
		if err != nil {
			return nil, err
		}
		mux.Handle("/", landing)
	}
	return mux, nil
}

// serve listens until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, mux http.Handler, webFlags *web.FlagConfig, logger log.Logger, slogger *slog.Logger) int {
	server := &http.Server{
		Handler:           mux,
		ErrorLog:          slog.NewLogLogger(slogger.Handler(), slog.LevelWarn),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Scrapes are bounded by scrape_timeout; a reload may raise it, so
		// leave room.
		WriteTimeout: 5 * time.Minute,
		IdleTimeout:  2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(server, webFlags, slogger) }()
	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			level.Error(logger).Log("msg", "cannot serve", "err", err)
			return 1
		}
	case <-ctx.Done():
		level.Info(logger).Log("msg", "shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(sctx)
	}
	return 0
}

func newLogger(w io.Writer, lvl, format string) (log.Logger, *slog.Logger) {
	var logger log.Logger
	if format == "json" {
		logger = log.NewJSONLogger(log.NewSyncWriter(w))
	} else {
		logger = log.NewLogfmtLogger(log.NewSyncWriter(w))
	}
	raw := logger
	logger = log.With(raw, "ts", log.DefaultTimestampUTC, "caller", log.Caller(5))
	var allow level.Option
	var slvl slog.Level
	switch lvl {
	case "debug":
		allow, slvl = level.AllowDebug(), slog.LevelDebug
	case "warn":
		allow, slvl = level.AllowWarn(), slog.LevelWarn
	case "error":
		allow, slvl = level.AllowError(), slog.LevelError
	default:
		allow, slvl = level.AllowInfo(), slog.LevelInfo
	}
	logger = level.NewFilter(logger, allow)
	// One bridge for the libraries that want slog (exporter-toolkit,
	// promhttp's error log), with the same level. The bridge names the
	// caller itself and would add slog's "time" beside our "ts": its base
	// has neither, and the record's time is left out.
	bridge := level.NewFilter(log.With(raw, "ts", log.DefaultTimestampUTC), allow)
	return logger, slog.New(untimed{slogkit.NewGoKitHandler(bridge, slvl)})
}

// untimed drops the record's time: the go-kit logger stamps "ts".
type untimed struct{ slog.Handler }

func (h untimed) Handle(ctx context.Context, r slog.Record) error {
	r.Time = time.Time{}
	return h.Handler.Handle(ctx, r)
}

func (h untimed) WithAttrs(a []slog.Attr) slog.Handler { return untimed{h.Handler.WithAttrs(a)} }
func (h untimed) WithGroup(n string) slog.Handler      { return untimed{h.Handler.WithGroup(n)} }

// checkConfig prints what the exporter would do, account by account,
// without any secret.
func checkConfig(cfg *config.Config, file string, w io.Writer, logger log.Logger) int {
	sources := make([]string, len(cfg.Accounts))
	for i := range cfg.Accounts {
		src, err := cfg.Accounts[i].CredentialSource()
		if err != nil {
			kv := []any{"msg", "invalid configuration", "err", err}
			if len(cfg.Accounts) > 1 {
				kv = append(kv, "account", cfg.Accounts[i].Name)
			}
			level.Error(logger).Log(kv...)
			return 1
		}
		sources[i] = src
	}
	if file == "" {
		file = "(none: defaults)"
	}
	fmt.Fprintf(w, "configuration OK\n")
	fmt.Fprintf(w, "  config file:          %s\n", file)
	for i := range cfg.Accounts {
		acc := &cfg.Accounts[i]
		if len(cfg.Accounts) > 1 {
			fmt.Fprintf(w, "account %s:\n", acc.Name)
		}
		printAccount(w, acc, sources[i])
	}
	return 0
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
	fmt.Fprintf(w, "  statistic intervals:  %s\n", strings.Join(acc.StatisticIntervals, ", "))
	fmt.Fprintf(w, "  collectors:           %s\n", strings.Join(acc.EnabledCollectors(), ", "))
	fmt.Fprintf(w, "  scrape timeout:       %s (request timeout %s, max retries %d)\n", acc.ScrapeTimeout, acc.RequestTimeout, acc.MaxRetries)
	fmt.Fprintf(w, "  rate limit:           %g requests/s per action, %d concurrent\n", acc.RateLimit, acc.MaxConcurrency)
	fmt.Fprintf(w, "  pagination:           %d items per page, at most %d pages\n", acc.PageSize, acc.MaxPages)
	fmt.Fprintf(w, "  devices:              at most %d per project\n", acc.MaxDevicesPerProject)
	fmt.Fprintf(w, "  sessions:             active within %s; quality over the last %s\n", acc.ActiveSessionWindow, acc.SessionQualityLookback)
}

// printBudget sizes each account's fleet through the API and prints what
// the configuration costs it (rate limits are per account), as the enabled
// collectors declare it. Credentials that cannot be read or that the API
// rejects, and an endpoint that cannot be reached, fail the check (exit 1)
// with one line saying what to fix; other API errors only leave the budget
// out.
func printBudget(ctx context.Context, a *app, cfg *config.Config, interval time.Duration, w, errw io.Writer) int {
	if interval <= 0 {
		interval = time.Minute
	}
	code := 0
	for i := range cfg.Accounts {
		acc := &cfg.Accounts[i]
		prefix := ""
		if len(cfg.Accounts) > 1 {
			prefix = "account " + acc.Name + ": "
			fmt.Fprintf(w, "account %s:\n", acc.Name)
		}
		if msg := accountBudget(ctx, a, acc, interval, w, errw); msg != "" {
			fmt.Fprintf(errw, "%s: config check failed: %s%s\n", name, prefix, msg)
			code = 1
		}
	}
	return code
}

// accountBudget prints one account's budget; it returns what to fix when
// the account cannot work.
func accountBudget(ctx context.Context, a *app, acc *config.Account, interval time.Duration, w, errw io.Writer) string {
	src, _ := acc.CredentialSource()
	built, _, err := a.buildAccount(*acc, nil)
	if err != nil {
		return err.Error()
	}
	defer built.client.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	fleet, err := plan.Size(ctx, built.client, acc.Projects, collector.KeepProject(acc.ProjectFilter()), time.Duration(acc.SessionQualityLookback), time.Duration(acc.ActiveSessionWindow), time.Now(),
		newProgress(errw))
	if err != nil {
		if msg := checkFailure(err, acc.Endpoint, src); msg != "" {
			return msg
		}
		fmt.Fprintf(w, "WARNING: no API budget: cannot size the fleet: %v\n", err)
		return ""
	}
	devices := 0
	for _, d := range fleet.Devices {
		devices += d
	}
	live := 0
	for _, n := range fleet.LiveSessions {
		live += n
	}
	fmt.Fprintf(w, "fleet: %d projects, %d devices, %d license groups, %d live sessions\n", fleet.Projects, devices, fleet.LicenseGroups, live)
	s := plan.Settings{
		RateLimit: acc.RateLimit, ScrapeInterval: interval, ScrapeTimeout: time.Duration(acc.ScrapeTimeout),
		MinInterval: map[string]time.Duration{},
	}
	for n, cs := range acc.CollectorSettings {
		s.MinInterval[n] = time.Duration(cs.MinInterval)
	}
	plan.Compute(built.exporter.Demands(fleet, acc.PageSize), s).Print(w, s)
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
// the API rejects the credentials, or the endpoint cannot be reached.
func checkFailure(err error, endpoint, source string) string {
	for _, e := range trro.Flatten(err) {
		te, ok := trro.AsError(e)
		switch {
		case !ok:
		case te.IsAuth():
			return fmt.Sprintf("the API rejects the credentials from %s: it answered %s to %s (RequestId %s): check the key pair and its CAM policy",
				source, te.Code, te.Action, te.RequestID)
		case te.Code == trro.CodeNetworkError, te.Code == trro.CodeTimeout, te.Code == trro.CodeHTTPError:
			return fmt.Sprintf("cannot reach the endpoint %s: %s: %s: check endpoint (trro.tencentcloudapi.com, or trro.intl.tencentcloudapi.com for the international site)",
				endpoint, te.Code, te.Message)
		}
	}
	return ""
}
