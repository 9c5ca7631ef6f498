package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Name is the family's metric name.
func (f *Family) Name() string { return f.name }

// Help is the family's help text.
func (f *Family) Help() string { return f.help }

// Labels are the family's own label names, in the order Sink gets values.
func (f *Family) Labels() []string { return f.labels }

// Buckets are a histogram's upper bounds (nil: not a histogram).
func (f *Family) Buckets() []float64 { return f.buckets }

// Kind is "counter", "gauge" or "histogram".
func (f *Family) Kind() string {
	switch {
	case f.buckets != nil:
		return "histogram"
	case f.typ == prometheus.CounterValue:
		return "counter"
	}
	return "gauge"
}

// ConstLabels are the label names and values every series of the account
// carries: account, then its static labels by name.
func (e *Exporter) ConstLabels() (names, values []string) {
	if v, ok := e.labels[AccountLabel]; ok {
		names, values = append(names, AccountLabel), append(values, v)
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range e.acc.Labels {
			if !yield(k) {
				return
			}
		}
	}) {
		names, values = append(names, k), append(values, e.acc.Labels[k])
	}
	return names, values
}

// WriteRound runs one API round as of the exporter's clock (Deps.Now) and
// sends the collectors' samples to s: what their series would have shown
// at that instant, without the exporter's own (trro_up, the scrape and API
// call series), which tell of scrapes, not of the fleet. It returns the
// collectors' errors, joined. For backfill, which replays the past through
// the live collectors so that its series are the live ones.
func (e *Exporter) WriteRound(ctx context.Context, s Sink) error {
	f := e.join(ctx)
	defer e.leave(f)
	select {
	case <-f.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	var errs []error
	for _, o := range f.result.outcomes {
		if o.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.name, o.err))
		}
		if o.res != nil {
			o.res.Write(s)
		}
	}
	return errors.Join(errs...)
}

// UsageMonths are the starts of the month the usage collector reads at now
// (to date) and of the month before it, in China Standard Time.
func UsageMonths(now time.Time) (current, previous time.Time) { return months(now) }
