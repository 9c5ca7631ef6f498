package backfill

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/trro-exporter/trro_exporter/collector"
)

// writer writes the samples of every step as OpenMetrics text with
// timestamps, the input of `promtool tsdb create-blocks-from openmetrics`.
// A family's HELP and TYPE come once, so each family's samples go to a
// spill file of its own as the steps are replayed (memory does not grow
// with the range); finish joins them into the output, ending in # EOF.
// Within a family the series interleave step by step, each in time order.
type writer struct {
	dir        string
	constNames []string
	constVals  []string
	idle       int64 // seconds an unchanged cumulative series keeps being written

	fams  map[string]*spill
	order []*spill
	last  map[string]*seriesState
	ts    int64 // the step's time, Unix seconds
	err   error

	Samples int64
}

type spill struct {
	fam  *collector.Family
	f    *os.File
	w    *bufio.Writer
	line []byte
}

// seriesState is what the writer remembers of a cumulative series (a
// counter, or a histogram as a whole): its count and when it last changed.
type seriesState struct {
	count   float64
	changed int64
}

func newWriter(dir string, constNames, constVals []string, idle int64) *writer {
	return &writer{dir: dir, constNames: constNames, constVals: constVals, idle: idle,
		fams: map[string]*spill{}, last: map[string]*seriesState{}}
}

// at sets the time of the samples that follow.
func (w *writer) at(ts int64) { w.ts = ts }

func (w *writer) spillOf(f *collector.Family) *spill {
	if s, ok := w.fams[f.Name()]; ok {
		return s
	}
	s := &spill{fam: f}
	if w.err == nil {
		s.f, w.err = os.Create(filepath.Join(w.dir, fmt.Sprintf("family-%03d.om", len(w.order))))
	}
	if s.f != nil {
		s.w = bufio.NewWriterSize(s.f, 64<<10)
	}
	w.fams[f.Name()] = s
	w.order = append(w.order, s)
	return s
}

// quiet tells whether a cumulative series that has not changed for longer
// than idle is to be left out: an idle device's histograms are not
// written for every step of weeks, and since its state is kept, its
// counts go on from where they were when it comes back (never backwards).
func (w *writer) quiet(key string, count float64) bool {
	st, ok := w.last[key]
	if !ok {
		w.last[key] = &seriesState{count: count, changed: w.ts}
		return false
	}
	if count != st.count {
		st.count, st.changed = count, w.ts
		return false
	}
	return w.ts-st.changed > w.idle
}

func (w *writer) seriesKey(f *collector.Family, labelValues []string) string {
	return strings.Join(w.constVals, "\xff") + "\xfe" + f.Name() + "\xff" + strings.Join(labelValues, "\xff")
}

// Sample implements collector.Sink.
func (w *writer) Sample(f *collector.Family, v float64, labelValues ...string) {
	if f.Kind() == "counter" && w.quiet(w.seriesKey(f, labelValues), v) {
		return
	}
	s := w.spillOf(f)
	w.write(s, f.Name(), labelValues, "", "", v)
}

// Histogram implements collector.Sink.
func (w *writer) Histogram(f *collector.Family, cumulative []uint64, count uint64, sum float64, labelValues ...string) {
	if w.quiet(w.seriesKey(f, labelValues), float64(count)) {
		return
	}
	s := w.spillOf(f)
	for i, b := range f.Buckets() {
		w.write(s, f.Name()+"_bucket", labelValues, "le", formatFloat(b), float64(cumulative[i]))
	}
	w.write(s, f.Name()+"_bucket", labelValues, "le", "+Inf", float64(count))
	w.write(s, f.Name()+"_count", labelValues, "", "", float64(count))
	w.write(s, f.Name()+"_sum", labelValues, "", "", sum)
}

func (w *writer) write(s *spill, name string, labelValues []string, extraName, extraValue string, v float64) {
	if s.w == nil {
		return
	}
	b := append(s.line[:0], name...)
	b = append(b, '{')
	n := 0
	label := func(k, v string) {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, k...)
		b = append(b, '=', '"')
		b = appendEscaped(b, v)
		b = append(b, '"')
	}
	for i, k := range w.constNames {
		label(k, w.constVals[i])
	}
	for i, k := range s.fam.Labels() {
		label(k, labelValues[i])
	}
	if extraName != "" {
		label(extraName, extraValue)
	}
	b = append(b, '}', ' ')
	b = append(b, formatFloat(v)...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, w.ts, 10)
	b = append(b, '\n')
	s.line = b
	if _, err := s.w.Write(b); err != nil && w.err == nil {
		w.err = err
	}
	w.Samples++
}

func appendEscaped(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '"':
			b = append(b, '\\', '"')
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return b
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// familyName is the OpenMetrics family name: a counter's without _total.
func familyName(f *collector.Family) string {
	if f.Kind() == "counter" {
		return strings.TrimSuffix(f.Name(), "_total")
	}
	return f.Name()
}

// finish writes the output: every family's HELP and TYPE, its spilled
// samples, # EOF. It writes to a temporary file beside out and renames it
// at the end, so an interrupted run never leaves a half-written output.
func (w *writer) finish(out string) error {
	for _, s := range w.order {
		if s.w != nil {
			if err := s.w.Flush(); err != nil && w.err == nil {
				w.err = err
			}
		}
	}
	if w.err != nil {
		return w.err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	bw := bufio.NewWriterSize(tmp, 256<<10)
	for _, s := range w.order {
		name := familyName(s.fam)
		help := strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s.fam.Help())
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, s.fam.Kind())
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.Copy(bw, s.f); err != nil {
			return err
		}
	}
	bw.WriteString("# EOF\n")
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// close closes the spill files.
func (w *writer) close() {
	for _, s := range w.order {
		if s.f != nil {
			s.f.Close()
		}
	}
}
