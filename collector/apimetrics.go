package collector

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
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
			Help: "TRRO API requests by action and result code: OK, the API's error code (codes not known fold into their family's .Other, or Other), or a client-side code (NetworkError, Timeout, Canceled, HTTPError, InvalidResponse, ResponseTooLarge, ClientError).",
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
	m.requests.WithLabelValues(action, codeLabel(code)).Inc()
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

// knownCodes are the codes kept as they are in the code label: the
// client's own, and the API's common ones (Tencent Cloud API 3.0 and
// TRRO's).
var knownCodes = map[string]bool{
	trro.CodeOK: true, trro.CodeNetworkError: true, trro.CodeTimeout: true, trro.CodeCanceled: true,
	trro.CodeHTTPError: true, trro.CodeInvalidResponse: true, trro.CodeResponseTooLarge: true, trro.CodeClientError: true,
	"AuthFailure.SignatureFailure": true, "AuthFailure.SecretIdNotFound": true, "AuthFailure.SignatureExpire": true,
	"AuthFailure.UnauthorizedOperation": true, "AuthFailure.TokenFailure": true, "AuthFailure.InvalidSecretId": true,
	"AuthFailure.InvalidAuthorization": true, "AuthFailure.MFAFailure": true,
	"RequestLimitExceeded": true, "RequestLimitExceeded.UinLimitExceeded": true, "RequestLimitExceeded.IPLimitExceeded": true,
	"InternalError": true, "InvalidParameter": true, "InvalidParameterValue": true, "MissingParameter": true,
	"UnknownParameter": true, "ResourceNotFound": true, "UnauthorizedOperation": true, "FailedOperation": true,
	"OperationDenied": true, "OperationDenied.LicensesNotEnoughError": true, "InvalidAction": true,
	"ServiceUnavailable": true, "UnsupportedOperation": true, "UnsupportedProtocol": true, "UnsupportedRegion": true,
	"LimitExceeded": true, "ResourceUnavailable": true, "ResourceInUse": true, "ResourceInsufficient": true,
	"NoSuchVersion": true, "InvalidRequest": true, "InvalidParameterValue.RegisterType": true,
}

// codeFamilies are the families before the first dot that a code not
// known whole is folded into, as "<family>.Other".
var codeFamilies = map[string]bool{
	"AuthFailure": true, "RequestLimitExceeded": true, "InternalError": true, "InvalidParameter": true,
	"InvalidParameterValue": true, "MissingParameter": true, "ResourceNotFound": true, "UnauthorizedOperation": true,
	"FailedOperation": true, "OperationDenied": true, "LimitExceeded": true, "ResourceUnavailable": true,
	"ResourceInUse": true, "ResourceInsufficient": true, "UnsupportedOperation": true, "ServiceUnavailable": true,
}

// codeLabel bounds the code label: an API that answered a new code on every
// call would otherwise add a series each time. Known codes stay; others
// fold into their family ("AuthFailure.Other") or "Other".
func codeLabel(code string) string {
	if knownCodes[code] {
		return code
	}
	family, _, _ := strings.Cut(code, ".")
	if codeFamilies[family] {
		return family + ".Other"
	}
	return "Other"
}
