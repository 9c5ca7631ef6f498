package collector

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "trro"

// APIMetrics count and time every HTTP attempt the client makes. They are
// ordinary counters and histograms, registered once, not per scrape.
type APIMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewAPIMetrics returns the API call metrics.
func NewAPIMetrics() *APIMetrics {
	return &APIMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "api", Name: "requests_total",
			Help: "TRRO API requests by action and result code: OK, the API's error code, or a client-side code (NetworkError, Timeout, Canceled, HTTPError, InvalidResponse, ResponseTooLarge, ClientError).",
		}, []string{"action", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "api", Name: "request_duration_seconds",
			Help:    "Latency of TRRO API requests, including failed ones.",
			Buckets: []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"action"}),
	}
}

// Observe records one attempt; pass it as trro.Options.Observe.
func (m *APIMetrics) Observe(action, code string, d time.Duration) {
	m.requests.WithLabelValues(action, code).Inc()
	m.latency.WithLabelValues(action).Observe(d.Seconds())
}

// Describe implements prometheus.Collector.
func (m *APIMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.latency.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *APIMetrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.latency.Collect(ch)
}
