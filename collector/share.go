package collector

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trro-exporter/trro_exporter/trro"
)

// flight is one API round shared by the scrapes that arrive while it runs.
type flight struct {
	done    chan struct{}
	result  *roundResult
	waiters int
	ctx     *roundContext
	start   time.Time
	// finished holds the outcomes of the collectors done so far (nil
	// res while running): a waiter that must leave early takes these.
	finished []outcome
}

// round returns the outcome of an API round that ends with ctx or the
// configured timeout, whichever comes first. Scrapes arriving while a
// round runs wait for it instead of starting their own.
func (e *Exporter) round(ctx context.Context) *roundResult {
	f := e.join(ctx)
	defer e.leave(f)
	select {
	case <-f.done:
		return f.result
	case <-ctx.Done():
		// This caller must answer now: what the round finished so far, as
		// a round of its own would have by now; the rest failed.
		e.mu.Lock()
		defer e.mu.Unlock()
		return &roundResult{up: e.state.lastUp(), outcomes: slices.Clone(f.finished)}
	}
}

// roundDeadline is when a round started at start may end for ctx: the
// configured timeout after start, or a little before ctx's deadline so
// that what the round finished is still served.
func (e *Exporter) roundDeadline(ctx context.Context, start time.Time) time.Time {
	deadline := start.Add(e.Timeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d.Add(-min(100*time.Millisecond, time.Until(d)/10))
	}
	return deadline
}

func (e *Exporter) join(ctx context.Context) *flight {
	e.mu.Lock()
	defer e.mu.Unlock()
	// A caller joins the round in flight and may move its end later, to its
	// own deadline but never past the configured timeout after the round
	// started.
	if f := e.flight; f != nil {
		f.ctx.extend(e.roundDeadline(ctx, f.start))
		f.waiters++
		return f
	}
	now := time.Now()
	f := &flight{done: make(chan struct{}), waiters: 1, start: now,
		ctx:      newRoundContext(ctx, e.roundDeadline(ctx, now)),
		finished: make([]outcome, len(e.scrapers))}
	for i, s := range e.scrapers {
		f.finished[i] = outcome{name: s.Name()}
	}
	e.flight = f
	go e.run(f.ctx, f)
	return f
}

func (e *Exporter) leave(f *flight) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		f.ctx.stop()
		if e.flight == f {
			e.flight = nil
		}
	}
}

// roundContext is the context a round runs on. It keeps the first caller's
// values but not its cancellation: it ends when stopped (every caller has
// left) or at its deadline, which later callers may move later.
type roundContext struct {
	context.Context
	cancel   context.CancelCauseFunc
	mu       sync.Mutex
	deadline time.Time
	timer    *time.Timer
}

func newRoundContext(parent context.Context, deadline time.Time) *roundContext {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	c := &roundContext{Context: ctx, cancel: cancel, deadline: deadline}
	c.timer = time.AfterFunc(time.Until(deadline), func() { cancel(context.DeadlineExceeded) })
	return c
}

func (c *roundContext) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deadline, true
}

// Err reports a passed deadline as context.DeadlineExceeded, as a context
// made by context.WithDeadline would: the API client tells a timeout from
// a cancellation by it.
func (c *roundContext) Err() error {
	err := c.Context.Err()
	if err != nil && errors.Is(context.Cause(c.Context), context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// extend moves the deadline to d if d is later and the deadline has not
// passed yet.
func (c *roundContext) extend(d time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.After(c.deadline) && c.timer.Stop() {
		c.deadline = d
		c.timer.Reset(time.Until(d))
	}
}

func (c *roundContext) stop() {
	c.timer.Stop()
	c.cancel(context.Canceled)
}

// run runs every scraper of the round at once and settles the round's
// outcome.
func (e *Exporter) run(ctx context.Context, f *flight) {
	defer close(f.done)
	tr := &trro.Trace{}
	ctx = trro.WithTrace(ctx, tr)
	r := newRound(e.deps.API, e.deps.Now(), e.acc.Projects, e.acc.Filters(), e.lister)

	outcomes := make([]outcome, len(e.scrapers))
	var g errgroup.Group
	for i, s := range e.scrapers {
		g.Go(func() error {
			outcomes[i] = e.scrape(ctx, r, s)
			e.mu.Lock()
			f.finished[i] = outcomes[i]
			e.mu.Unlock()
			return nil
		})
	}
	g.Wait()
	for _, o := range outcomes {
		if errors.Is(o.err, errDiscovery) {
			e.failures.log("project discovery", "", o.err)
			break
		}
	}
	up := e.state.settle(tr)
	e.mu.Lock()
	f.result = &roundResult{up: up, outcomes: outcomes}
	// Later scrapes start a fresh round.
	if e.flight == f {
		e.flight = nil
	}
	e.mu.Unlock()
}

// scrape runs one scraper, or answers from its last result (see
// freshness), and logs its failure.
func (e *Exporter) scrape(ctx context.Context, r *Round, s Scraper) outcome {
	name := s.Name()
	o := e.fresh.fetch(name, r.Now, func() (Result, error) { return s.Fetch(ctx, r) })
	// A failed project discovery is logged once per round, by run.
	if o.err != nil && !errors.Is(o.err, errDiscovery) {
		e.failures.log(name, "collector", o.err)
	}
	return o
}

// apiState is what the last rounds that made calls learned of the API.
type apiState struct {
	mu sync.Mutex
	up float64
	// last is when a round last made calls.
	last time.Time
	// rejected is the code the API refused the credentials with in the
	// last round that made calls (or a check at start); "" when it took
	// them.
	rejected string
}

// settle records what a round's calls found and returns trro_up. A round
// answered from cached results made no call: it keeps the last known
// state.
func (s *apiState) settle(tr *trro.Trace) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tr.Calls() > 0 {
		s.up = boolValue(tr.Up())
		s.rejected = tr.AuthFailure()
		s.last = time.Now()
	}
	return s.up
}

func (s *apiState) lastUp() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.up
}

// Status is what the last round that made calls found: trro_up, when it
// ran (zero: none yet), and the code the credentials were refused with.
type Status struct {
	Up       bool
	Last     time.Time
	Rejected string
}

// Status is the account's state for people (the landing page).
func (e *Exporter) Status() Status {
	e.state.mu.Lock()
	defer e.state.mu.Unlock()
	return Status{Up: e.state.up == 1, Last: e.state.last, Rejected: e.state.rejected}
}

// Rejected is the code the API refused the credentials with in the last
// round that made calls, or that MarkRejected recorded; "" when it took
// them.
func (e *Exporter) Rejected() string {
	e.state.mu.Lock()
	defer e.state.mu.Unlock()
	return e.state.rejected
}

// MarkRejected records what a check of the credentials found, before any
// round: the code they were refused with, or "" when they were taken.
func (e *Exporter) MarkRejected(code string) {
	e.state.mu.Lock()
	defer e.state.mu.Unlock()
	e.state.rejected = code
}
