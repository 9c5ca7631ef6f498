package collector

import (
	"context"
	"fmt"
	"io"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trro-exporter/trro_exporter/trro"
)

// Debug runs a round of the account's collectors of its own (not shared,
// not from the freshness cache) and writes, as plain text, every API call
// it made (action, code, request id, duration; a page of a list is a call)
// and what each collector did: what /probe?account=NAME&debug=true shows.
// No parameter and no secret is written.
func (e *Exporter) Debug(ctx context.Context, w io.Writer) {
	tr := &trro.Trace{}
	tr.KeepCalls()
	ctx = trro.WithTrace(ctx, tr)
	start := time.Now()
	r := newRound(e.deps.API, e.deps.Now(), e.acc.Projects, e.acc.Filters(), e.lister)
	type done struct {
		took time.Duration
		err  error
	}
	results := make([]done, len(e.scrapers))
	var g errgroup.Group
	for i, s := range e.scrapers {
		g.Go(func() error {
			t := time.Now()
			_, err := s.Fetch(ctx, r)
			results[i] = done{time.Since(t), err}
			return nil
		})
	}
	g.Wait()
	calls := tr.CallLog()
	fmt.Fprintf(w, "account %s: a debug round at %s, %s, %d API calls, trro_up %v\n\n",
		e.acc.Name, start.UTC().Format(time.RFC3339), time.Since(start).Round(time.Millisecond), len(calls), tr.Up())
	fmt.Fprintf(w, "API calls, in the order they ended:\n  %-36s %-32s %10s  %s\n", "action", "code", "duration", "request id")
	for _, c := range calls {
		fmt.Fprintf(w, "  %-36s %-32s %10s  %s\n", c.Action, c.Code, c.Duration.Round(time.Millisecond), c.RequestID)
	}
	fmt.Fprintf(w, "\ncollectors:\n")
	for i, s := range e.scrapers {
		status := "ok"
		if results[i].err != nil {
			status = "failed: " + results[i].err.Error()
		}
		fmt.Fprintf(w, "  %-16s %10s  %s\n", s.Name(), results[i].took.Round(time.Millisecond), status)
	}
}
