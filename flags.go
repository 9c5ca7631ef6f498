package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
)

// flags are the command line, parsed.
type flags struct {
	configFile, metricsPath, endpoint, region    string
	configCheck, checkOffline, noExporterMetrics bool
	demo, listenSet, disableDefaults             bool
	checkInterval, timeoutOffset                 time.Duration
	maxRequests                                  int
	web                                          *web.FlagConfig
	log                                          promslog.Config
	// collectors holds --collector.<name>; set tells which the user gave.
	collectors map[string]*bool
	set        map[string]*bool
	// command is "serve" (the default) or "backfill", with its flags.
	command  string
	backfill backfillFlags
}

// terminate ends the program after --help and --version (a test reads the
// help instead).
var terminate = os.Exit

// parseFlags parses args; it returns a non-zero exit code when the program
// should stop (bad flags, --help, --version).
func parseFlags(args []string, stderr io.Writer) (*flags, int) {
	app := kingpin.New(name, "Prometheus exporter for Tencent Cloud TRRO (Real-time Teleoperation): sessions, session quality and licenses.")
	app.UsageWriter(stderr)
	app.ErrorWriter(stderr)
	app.Terminate(terminate)
	f := &flags{collectors: map[string]*bool{}, set: map[string]*bool{}}
	app.Flag("config.file", "Path to the YAML configuration file. Without one the exporter runs on defaults, credentials from the environment and every project discovered.").Default("").StringVar(&f.configFile)
	app.Flag("config.check", "Validate the configuration and credentials source, size the fleet with a few API calls, print a summary and the API budget, and exit.").BoolVar(&f.configCheck)
	app.Flag("config.check.scrape-interval", "Scrape interval the --config.check API budget assumes.").Default("60s").DurationVar(&f.checkInterval)
	app.Flag("config.check.offline", "With --config.check: validate the configuration only, without calling the API.").BoolVar(&f.checkOffline)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.metricsPath)
	app.Flag("web.max-requests", "Maximum number of scrapes of one target (/metrics, or one account's /probe) made at once; 0 means no limit.").Default("40").IntVar(&f.maxRequests)
	app.Flag("web.disable-exporter-metrics", "Exclude Go runtime and process metrics of the exporter itself.").BoolVar(&f.noExporterMetrics)
	app.Flag("tencentcloud.endpoint", "TRRO API endpoint: a host, or a URL such as http://127.0.0.1:8080 for a local stand-in. Overrides the config file.").Default("").StringVar(&f.endpoint)
	app.Flag("tencentcloud.region", "Tencent Cloud region sent with every call. Overrides the config file.").Default("").StringVar(&f.region)
	app.Flag("scrape.timeout-offset", "Subtracted from Prometheus' scrape timeout so the answer arrives in time.").Default("500ms").DurationVar(&f.timeoutOffset)
	app.Flag("demo", "Start an in-process TRRO stand-in on loopback and export its demo fleet (no Tencent Cloud account needed).").BoolVar(&f.demo)
	promslogflag.AddFlags(app, &f.log)
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
	app.Command("serve", "Serve the metrics (the default command).").Default()
	f.backfill.add(app.Command("backfill", backfillHelp))
	app.Version(version.Print(name))
	app.HelpFlag.Short('h')
	cmd, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "%s: error: %s, try --help\n", name, err)
		return nil, 2
	}
	f.command = cmd
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
