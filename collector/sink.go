package collector

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Family is one metric family, described once. Its text header and label
// prefixes are encoded up front, so a sample costs a few appends.
type Family struct {
	desc   *prometheus.Desc
	typ    prometheus.ValueType
	name   string
	help   string
	labels []string
	header []byte   // # HELP and # TYPE lines
	order  []int    // label indexes sorted by name, as client_golang writes them
	open   [][]byte // open[i] (name=") precedes the value of label order[i]
	// buckets are a histogram's upper bounds (nil: not a histogram).
	buckets []float64
}

func newFamily(name, help string, typ prometheus.ValueType, labels ...string) *Family {
	f := &Family{desc: prometheus.NewDesc(name, help, labels, nil), typ: typ, name: name, help: help, labels: labels}
	kind := "gauge"
	if typ == prometheus.CounterValue {
		kind = "counter"
	}
	help = strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(help)
	f.header = fmt.Appendf(nil, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	f.order = make([]int, len(labels))
	for i := range f.order {
		f.order[i] = i
	}
	slices.SortFunc(f.order, func(a, b int) int { return strings.Compare(labels[a], labels[b]) })
	for _, l := range f.order {
		f.open = append(f.open, []byte(labels[l]+`="`))
	}
	return f
}

// histogramFamily is a histogram with the given bucket upper bounds (+Inf
// is added).
func histogramFamily(name, help string, buckets []float64, labels ...string) *Family {
	f := newFamily(name, help, prometheus.UntypedValue, labels...)
	f.header = []byte(strings.Replace(string(f.header), "# TYPE "+name+" gauge", "# TYPE "+name+" histogram", 1))
	f.buckets = buckets
	return f
}

func gaugeFamily(name, help string, labels ...string) *Family {
	return newFamily(name, help, prometheus.GaugeValue, labels...)
}

// Sink receives samples family by family: every sample of a family is sent
// before the next family starts.
type Sink interface {
	// Sample sends one sample of f with the label values in f's order.
	Sample(f *Family, v float64, labelValues ...string)
	// Histogram sends one histogram of f: the cumulative count of each of
	// f's buckets, then the count and sum of all observations.
	Histogram(f *Family, cumulative []uint64, count uint64, sum float64, labelValues ...string)
}

// textSink writes the text exposition format straight to a writer: the
// /metrics path, with no per-series objects for fleets of thousands of
// devices.
type textSink struct {
	out io.Writer
	buf []byte
	cur *Family
	err error
	// extra is written first in every label set: the account's labels.
	extra []byte
	// parts, when several accounts share a page, hold this account's
	// samples of each family (without its header) for mergeParts.
	parts *pageParts
}

// pageParts are one account's samples, family by family: the families in
// the order written (they hold the headers), and each one's sample lines.
type pageParts struct {
	order   []*Family
	samples map[string][]byte
}

// flushAt is the buffered text size that triggers a write.
const flushAt = 32 << 10

func newTextSink(w io.Writer) *textSink { return &textSink{out: w, buf: make([]byte, 0, flushAt+4096)} }

// newPartsSink renders one account's samples into memory, family by
// family, for a page shared with other accounts (see mergeParts).
func newPartsSink(extra []byte) *textSink {
	return &textSink{extra: extra, parts: &pageParts{samples: map[string][]byte{}}}
}

// done stores the family being written and returns the parts.
func (s *textSink) done() *pageParts {
	if s.cur != nil {
		s.parts.samples[s.cur.name] = s.buf
	}
	return s.parts
}

// mergeParts writes the accounts' parts as one page: each family once,
// header then every account's samples, as the text format wants; families
// in the order they first appear.
func mergeParts(w io.Writer, accounts []*pageParts) error {
	seen := map[string]bool{}
	for _, a := range accounts {
		for _, f := range a.order {
			if seen[f.name] {
				continue
			}
			seen[f.name] = true
			if _, err := w.Write(f.header); err != nil {
				return err
			}
			for _, b := range accounts {
				if _, err := w.Write(b.samples[f.name]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// begin checks a sample of f and writes f's header when f starts; false
// once writing has failed.
func (s *textSink) begin(f *Family, values []string) bool {
	f.check(values)
	if s.err != nil {
		return false
	}
	switch {
	case f == s.cur:
	case s.parts == nil:
		s.buf = append(s.buf, f.header...)
		s.cur = f
	default:
		// Several families of one name are one family (an exporter's
		// own families are its, the collectors' shared).
		if s.cur != nil {
			s.parts.samples[s.cur.name] = s.buf
		}
		b, ok := s.parts.samples[f.name]
		if !ok {
			s.parts.order = append(s.parts.order, f)
		}
		s.buf, s.cur = b, f
	}
	return true
}

func (s *textSink) Sample(f *Family, v float64, values ...string) {
	if !s.begin(f, values) {
		return
	}
	s.buf = append(s.buf, f.name...)
	if len(values) > 0 || len(s.extra) > 0 {
		s.buf = append(s.buf, '{')
		s.buf = append(s.buf, s.extra...)
		for i, l := range f.order {
			if i > 0 || len(s.extra) > 0 {
				s.buf = append(s.buf, ',')
			}
			s.buf = append(s.buf, f.open[i]...)
			s.buf = appendLabelValue(s.buf, values[l])
			s.buf = append(s.buf, '"')
		}
		s.buf = append(s.buf, '}')
	}
	s.buf = append(s.buf, ' ')
	s.buf = appendValue(s.buf, v)
	s.buf = append(s.buf, '\n')
	s.maybeFlush()
}

// maybeFlush writes the buffer once it is large, unless grouping.
func (s *textSink) maybeFlush() {
	if len(s.buf) >= flushAt && s.parts == nil {
		s.Flush()
	}
}

func (s *textSink) Histogram(f *Family, cumulative []uint64, count uint64, sum float64, values ...string) {
	if !s.begin(f, values) {
		return
	}
	for i, b := range f.buckets {
		s.histogramLine(f, "_bucket", values, strconv.FormatFloat(b, 'g', -1, 64), float64(cumulative[i]))
	}
	s.histogramLine(f, "_bucket", values, "+Inf", float64(count))
	s.histogramLine(f, "_sum", values, "", sum)
	s.histogramLine(f, "_count", values, "", float64(count))
	s.maybeFlush()
}

// histogramLine writes one line of a histogram: labels in client_golang's
// order, le last.
func (s *textSink) histogramLine(f *Family, suffix string, values []string, le string, v float64) {
	s.buf = append(s.buf, f.name...)
	s.buf = append(s.buf, suffix...)
	sep := byte('{')
	if len(s.extra) > 0 {
		s.buf = append(s.buf, sep)
		s.buf = append(s.buf, s.extra...)
		sep = ','
	}
	for _, l := range f.order {
		s.buf = append(s.buf, sep)
		s.buf = append(s.buf, f.labels[l]...)
		s.buf = append(s.buf, '=', '"')
		s.buf = appendLabelValue(s.buf, values[l])
		s.buf = append(s.buf, '"')
		sep = ','
	}
	if le != "" {
		s.buf = append(s.buf, sep)
		s.buf = append(s.buf, `le="`...)
		s.buf = append(s.buf, le...)
		s.buf = append(s.buf, '"')
		sep = ','
	}
	if sep == ',' {
		s.buf = append(s.buf, '}')
	}
	s.buf = append(s.buf, ' ')
	s.buf = appendValue(s.buf, v)
	s.buf = append(s.buf, '\n')
}

// Flush writes what is buffered; the first write error sticks and ends
// the output (the scraper has gone away).
func (s *textSink) Flush() error {
	if s.err != nil || len(s.buf) == 0 {
		return s.err
	}
	_, s.err = s.out.Write(s.buf)
	s.buf = s.buf[:0]
	return s.err
}

// metricSink sends const metrics to a channel: the prometheus.Collector
// path, for registries that embed the exporter.
type metricSink chan<- prometheus.Metric

func (ch metricSink) Sample(f *Family, v float64, values ...string) {
	f.check(values)
	ch <- prometheus.MustNewConstMetric(f.desc, f.typ, v, slices.Clone(values)...)
}

func (ch metricSink) Histogram(f *Family, cumulative []uint64, count uint64, sum float64, values ...string) {
	f.check(values)
	buckets := make(map[float64]uint64, len(f.buckets))
	for i, b := range f.buckets {
		buckets[b] = cumulative[i]
	}
	ch <- prometheus.MustNewConstHistogram(f.desc, count, sum, buckets, slices.Clone(values)...)
}

// check panics on a label count that does not match: a programming error.
func (f *Family) check(values []string) {
	if len(values) != len(f.labels) {
		panic(fmt.Sprintf("collector: %s takes %d label values, got %d", f.name, len(f.labels), len(values)))
	}
}

// appendLabelValue escapes backslash, double quote and newline, as the
// text format requires.
func appendLabelValue(b []byte, v string) []byte {
	if !strings.ContainsAny(v, "\\\"\n") {
		return append(b, v...)
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendValue writes integers as integers (most of what the API sends) and
// other values in the shortest form that reads back exactly.
func appendValue(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
