package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
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
			Version:   versionLine(),
			ExtraHTML: statusMarker,
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
		mux.Handle("/", withStatus(landing, a, f.demo))
	}
	return mux, nil
}

// statusMarker is where the landing page's status goes, filled in on each
// request.
const statusMarker = "<!--trro-status-->"

// versionLine is the version for people: a build without release
// information (go run, go build) says so instead of "branch=, revision=unknown".
func versionLine() string {
	if version.Revision == "" || version.Revision == "unknown" {
		return "development build (not a release): " + version.GoVersion
	}
	return version.Info()
}

// withStatus serves the landing page with the state of things: readiness,
// each account's last round, and a banner in demo mode.
func withStatus(landing http.Handler, a *app, demo bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			landing.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		landing.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		io.WriteString(w, strings.Replace(rec.Body.String(), statusMarker, statusHTML(a, demo), 1))
	})
}

// statusHTML is the status block: every value escaped.
func statusHTML(a *app, demo bool) string {
	var b strings.Builder
	if demo {
		b.WriteString(`<p><strong>Demo mode:</strong> the metrics come from an in-process simulated fleet, not from Tencent Cloud.</p>`)
	}
	if w := toolchainWarning(builtWith); w != "" {
		b.WriteString(`<p><strong>Warning:</strong> ` + html.EscapeString(w) + `.</p>`)
	}
	rt := a.current.Load()
	if rt == nil {
		b.WriteString("<p>Not ready: no configuration loaded.</p>")
		return b.String()
	}
	b.WriteString("<h2>Accounts</h2><table><tr><th>account</th><th>API</th><th>last round</th><th>credentials</th></tr>")
	for _, acc := range rt.accounts {
		st := acc.exporter.Status()
		api, last, cred := "down", "none yet", "taken"
		if st.Up {
			api = "up"
		}
		if !st.Last.IsZero() {
			last = st.Last.UTC().Format(time.RFC3339)
		}
		if st.Rejected != "" {
			cred = "rejected (" + st.Rejected + ")"
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
			html.EscapeString(acc.cfg.Name), api, last, html.EscapeString(cred))
	}
	b.WriteString(`</table><p>Readiness: <a href="/-/ready">/-/ready</a></p>`)
	return b.String()
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
