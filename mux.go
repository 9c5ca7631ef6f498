package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/trro-exporter/trro_exporter/collector"
)

// probePath serves one account's metrics; exporterMetricsPath the
// exporter's own alone (for setups that scrape accounts through probePath).
const (
	probePath           = "/probe"
	exporterMetricsPath = "/exporter-metrics"
)

// newMux routes /metrics, /probe, health, readiness, reload, profiles and
// the landing page.
func newMux(f *flags, a *app, slogger *slog.Logger) (*http.ServeMux, error) {
	base := prometheus.NewRegistry()
	base.MustRegister(versioncollector.NewCollector(name))
	base.MustRegister(a.metrics()...)
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
				// Without an account, /probe names the accounts there are.
				{Address: probePath, Text: "Metrics of one account (/probe?account=NAME)"},
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
