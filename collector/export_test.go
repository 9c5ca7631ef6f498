package collector

import (
	"context"
	"io"

	"github.com/prometheus/client_golang/prometheus"
)

// WriteRoundBothWays runs one API round and writes it as text to w and as
// const metrics to the returned collector, so tests can compare the two.
func WriteRoundBothWays(ctx context.Context, e *Exporter, w io.Writer) (prometheus.Collector, error) {
	rr := e.round(ctx)
	s := newTextSink(w)
	e.write(s, rr)
	return roundCollector{e, rr}, s.Flush()
}

type roundCollector struct {
	e  *Exporter
	rr *roundResult
}

func (c roundCollector) Describe(ch chan<- *prometheus.Desc) { c.e.Describe(ch) }
func (c roundCollector) Collect(ch chan<- prometheus.Metric) { c.e.write(newMetricSink(ch), c.rr) }

// SampleText writes samples of one family with the text writer to tests.
func SampleText(name, help string, counter bool, labels []string, samples [][]string, values []float64) string {
	typ := prometheus.GaugeValue
	if counter {
		typ = prometheus.CounterValue
	}
	f := newFamily(name, help, typ, labels...)
	var b bytesWriter
	s := newTextSink(&b)
	for i, v := range values {
		s.Sample(f, v, samples[i]...)
	}
	s.Flush()
	return string(b)
}

type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }
