package collector

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HandlerOptions configure the /metrics handler.
type HandlerOptions struct {
	// Offset is taken off Prometheus' scrape timeout header so that the
	// answer arrives before Prometheus gives up.
	Offset time.Duration
	// MaxRequestsInFlight answers 503 beyond this many concurrent scrapes
	// (0: no limit).
	MaxRequestsInFlight int
	ErrorLog            promhttp.Logger
}

// Handler serves the metrics of the exporter current() returns when the
// request arrives, plus base (the exporter's own metrics). Each request gets
// a deadline from its scrape timeout header, capped by the exporter's
// timeout.
func Handler(current func() *Exporter, base prometheus.Gatherer, opts HandlerOptions) http.Handler {
	var inflight chan struct{}
	if opts.MaxRequestsInFlight > 0 {
		inflight = make(chan struct{}, opts.MaxRequestsInFlight)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if inflight != nil {
			select {
			case inflight <- struct{}{}:
				defer func() { <-inflight }()
			default:
				http.Error(w, "too many concurrent scrapes", http.StatusServiceUnavailable)
				return
			}
		}
		e := current()
		if e == nil {
			http.Error(w, "no configuration loaded", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r.Header, opts.Offset, e.Timeout()))
		defer cancel()
		reg := prometheus.NewRegistry()
		reg.MustRegister(e.WithContext(ctx))
		// The round runs first, so the API counters below include its calls.
		promhttp.HandlerFor(prometheus.Gatherers{reg, base}, promhttp.HandlerOpts{
			ErrorLog:      opts.ErrorLog,
			ErrorHandling: promhttp.ContinueOnError,
		}).ServeHTTP(w, r)
	})
}

// ScrapeTimeout is X-Prometheus-Scrape-Timeout-Seconds minus offset, capped
// by max; max alone when the header is missing or malformed.
func ScrapeTimeout(h http.Header, offset, max time.Duration) time.Duration {
	v := h.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return max
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs <= 0 || secs > 1e6 {
		return max
	}
	t := time.Duration(secs * float64(time.Second))
	if t-offset > 0 {
		t -= offset
	}
	return min(t, max)
}
