package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/trro"
)

// app holds what a reload replaces: the config, its API client and its
// exporter. Scrapes take the current exporter when they start, so a reload
// never changes a scrape in flight.
type app struct {
	logger     log.Logger
	configFile string
	// override applies flags (and --demo) over every loaded config.
	override   func(*config.Config)
	apiMetrics *collector.APIMetrics

	reloadMu   sync.Mutex
	current    atomic.Pointer[runtime]
	reloadOK   prometheus.Gauge
	reloadTime prometheus.Gauge
}

type runtime struct {
	cfg      *config.Config
	client   *trro.Client
	exporter *collector.Exporter
}

func newApp(logger log.Logger, configFile string, override func(*config.Config), apiMetrics *collector.APIMetrics) *app {
	return &app{
		logger: logger, configFile: configFile, override: override, apiMetrics: apiMetrics,
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "trro_exporter", Subsystem: "config", Name: "last_reload_successful",
			Help: "1 if the last configuration load or reload succeeded, else 0.",
		}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "trro_exporter", Subsystem: "config", Name: "last_reload_success_timestamp_seconds",
			Help: "When the configuration was last loaded successfully, as a Unix timestamp.",
		}),
	}
}

// loadConfig reads the config file (or the defaults) and applies the flags.
func (a *app) loadConfig() (*config.Config, error) {
	cfg := config.Default()
	if a.configFile != "" {
		var err error
		if cfg, err = config.LoadFile(a.configFile, collector.Names()); err != nil {
			return nil, err
		}
	}
	a.override(cfg)
	if err := cfg.Validate(collector.Names()); err != nil {
		return nil, err
	}
	return cfg, nil
}

// build makes a client and an exporter for cfg, resolving credentials.
func (a *app) build(cfg *config.Config) (*runtime, error) {
	cred, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	opts := cfg.ClientOptions(cred)
	opts.Observe = a.apiMetrics.Observe
	client, err := trro.NewClient(opts)
	if err != nil {
		return nil, err
	}
	exporter, err := collector.New(cfg.ExporterOptions(client, a.logger))
	if err != nil {
		client.Close()
		return nil, err
	}
	return &runtime{cfg: cfg, client: client, exporter: exporter}, nil
}

// reload loads the config and swaps it in; on any error the running config
// stays.
func (a *app) reload() error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	cfg, err := a.loadConfig()
	return a.applyLocked(cfg, err)
}

// start swaps in the config read at start, so that the file is read once
// (a second read of a pipe would find it empty).
func (a *app) start(cfg *config.Config) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	return a.applyLocked(cfg, nil)
}

// applyLocked builds what cfg needs and swaps it in; err is the loading
// error, if any. Called with reloadMu held.
func (a *app) applyLocked(cfg *config.Config, err error) error {
	var next *runtime
	if err == nil {
		next, err = a.build(cfg)
	}
	if err != nil {
		a.reloadOK.Set(0)
		msg := "configuration not loaded; the previous one stays in use"
		if a.current.Load() == nil {
			msg = "configuration not loaded"
		}
		level.Error(a.logger).Log("msg", msg, "err", err)
		return err
	}
	go a.checkCredentials(next)
	old := a.current.Swap(next)
	if old != nil {
		// Scrapes in flight keep their connections; idle ones can go.
		old.client.Close()
	}
	a.reloadOK.Set(1)
	a.reloadTime.SetToCurrentTime()
	level.Info(a.logger).Log("msg", "configuration loaded", "file", a.configFile, "endpoint", next.cfg.Endpoint,
		"collectors", fmt.Sprint(next.cfg.EnabledCollectors()))
	return nil
}

// exporter is the current exporter, nil before the first load.
func (a *app) exporter() *collector.Exporter {
	if rt := a.current.Load(); rt != nil {
		return rt.exporter
	}
	return nil
}

// Describe implements prometheus.Collector for the reload metrics.
func (a *app) Describe(ch chan<- *prometheus.Desc) {
	a.reloadOK.Describe(ch)
	a.reloadTime.Describe(ch)
}

// Collect implements prometheus.Collector for the reload metrics.
func (a *app) Collect(ch chan<- prometheus.Metric) {
	a.reloadOK.Collect(ch)
	a.reloadTime.Collect(ch)
}

// reloadHandler serves POST /-/reload.
func (a *app) reloadHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "This endpoint requires a POST request.", http.StatusMethodNotAllowed)
		return
	}
	if err := a.reload(); err != nil {
		http.Error(w, "failed to reload config: "+err.Error(), http.StatusInternalServerError)
		return
	}
	io.WriteString(w, "config reloaded\n")
}

// readyHandler serves /-/ready: ready once a config is loaded and neither
// the check of its credentials at load nor the last API round was refused
// authentication.
func (a *app) readyHandler(w http.ResponseWriter, _ *http.Request) {
	rt := a.current.Load()
	if rt == nil {
		http.Error(w, "Not ready: no configuration loaded.", http.StatusServiceUnavailable)
		return
	}
	if code := rt.exporter.Rejected(); code != "" {
		http.Error(w, "Not ready: the TRRO API rejects the credentials ("+code+").", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "Ready\n")
}

// checkCredentials asks the API one small question with rt's credentials,
// so that readiness knows of a rejected key before the first scrape.
func (a *app) checkCredentials(rt *runtime) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := rt.client.Total(ctx, trro.ActionDescribeProjectList, "", 0, 0)
	if e, ok := trro.AsError(err); ok && strings.HasPrefix(e.Code, "AuthFailure") {
		rt.exporter.MarkRejected(e.Code)
		level.Error(a.logger).Log("msg", "the TRRO API rejects the credentials; not ready", "code", e.Code, "request_id", e.RequestID)
	}
}
