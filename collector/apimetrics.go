package collector

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/trro-exporter/trro_exporter/trro"
)

const namespace = "trro"

// AccountLabel is the label naming the account of every series read from
// the API.
const AccountLabel = "account"

// APIMetrics count and time every HTTP attempt one account's client makes.
// They are ordinary counters and histograms that live as long as the
// account (across reloads), written with the account's series.
type APIMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// reqFam and latFam write them through a Sink.
	reqFam, latFam *Family
}

const (
	requestsHelp = "TRRO API requests by action and result code: OK, the API's error code (codes not known fold into their family's .Other, or Other), or a client-side code (NetworkError, Timeout, Canceled, HTTPError, InvalidResponse, ResponseTooLarge, ClientError)."
	latencyHelp  = "Latency of TRRO API requests, including failed ones."
)

var apiLatencyBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewAPIMetrics returns the API call metrics of one account.
func NewAPIMetrics() *APIMetrics {
	return &APIMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "api", Name: "requests_total", Help: requestsHelp,
		}, []string{"action", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "api", Name: "request_duration_seconds", Help: latencyHelp,
			Buckets: apiLatencyBuckets,
		}, []string{"action"}),
		reqFam: newFamily("trro_api_requests_total", requestsHelp, prometheus.CounterValue, "action", "code"),
		latFam: histogramFamily("trro_api_request_duration_seconds", latencyHelp, apiLatencyBuckets, "action"),
	}
}

// Observe records one attempt; pass it as trro.Options.Observe.
func (m *APIMetrics) Observe(action, code string, d time.Duration) {
	m.requests.WithLabelValues(action, codeLabel(code)).Inc()
	m.latency.WithLabelValues(action).Observe(d.Seconds())
}

func (m *APIMetrics) families() []*Family { return []*Family{m.reqFam, m.latFam} }

// write sends the counters and histograms as they are now, series sorted.
func (m *APIMetrics) write(s Sink) {
	for _, d := range gatherVec(m.requests) {
		s.Sample(m.reqFam, d.GetCounter().GetValue(), labelValues(d, m.reqFam)...)
	}
	for _, d := range gatherVec(m.latency) {
		h := d.GetHistogram()
		cum := make([]uint64, len(m.latFam.buckets))
		for i, b := range h.GetBucket() {
			if i < len(cum) {
				cum[i] = b.GetCumulativeCount()
			}
		}
		s.Histogram(m.latFam, cum, h.GetSampleCount(), h.GetSampleSum(), labelValues(d, m.latFam)...)
	}
}

// gatherVec reads a vector's series, sorted by their label values.
func gatherVec(c prometheus.Collector) []*dto.Metric {
	ch := make(chan prometheus.Metric, 64)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	var out []*dto.Metric
	for m := range ch {
		d := &dto.Metric{}
		if m.Write(d) == nil {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *dto.Metric) int {
		for i := range min(len(a.Label), len(b.Label)) {
			if c := strings.Compare(a.Label[i].GetValue(), b.Label[i].GetValue()); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

// labelValues are d's label values in f's order.
func labelValues(d *dto.Metric, f *Family) []string {
	out := make([]string, len(f.labels))
	for _, lp := range d.GetLabel() {
		if i := slices.Index(f.labels, lp.GetName()); i >= 0 {
			out[i] = lp.GetValue()
		}
	}
	return out
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

// Describe implements prometheus.Collector, for registries that embed the
// counters without an exporter.
func (m *APIMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.latency.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *APIMetrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.latency.Collect(ch)
}
