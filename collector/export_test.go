package collector

import (
	"bytes"
	"context"
	"io"

	"github.com/prometheus/client_golang/prometheus"
)

// FixedRound runs one API round. write writes it as /metrics does; the
// collector sends the same round as const metrics, as the
// prometheus.Collector path does.
func FixedRound(ctx context.Context, e *Exporter) (write func(io.Writer) error, c prometheus.Collector) {
	rr := e.round(ctx)
	write = func(w io.Writer) error {
		s := newTextSink(w)
		s.extra = e.extra
		e.write(s, rr)
		return s.Flush()
	}
	return write, prometheus.WrapCollectorWith(e.labels, roundCollector{e, rr})
}

type roundCollector struct {
	e  *Exporter
	rr *roundResult
}

func (c roundCollector) Describe(ch chan<- *prometheus.Desc) {
	boundCollector{e: c.e}.Describe(ch)
}
func (c roundCollector) Collect(ch chan<- prometheus.Metric) { c.e.write(metricSink(ch), c.rr) }

// SampleText writes samples of one family with the text writer to tests.
func SampleText(name, help string, counter bool, labels []string, samples [][]string, values []float64) string {
	typ := prometheus.GaugeValue
	if counter {
		typ = prometheus.CounterValue
	}
	f := newFamily(name, help, typ, labels...)
	var b bytes.Buffer
	s := newTextSink(&b)
	for i, v := range values {
		s.Sample(f, v, samples[i]...)
	}
	s.Flush()
	return b.String()
}

// Waiters is how many scrapes wait on the round in flight.
func Waiters(e *Exporter) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.flight == nil {
		return 0
	}
	return e.flight.waiters
}

// Months are the first instants of the current and previous month, CST.
var Months = months
