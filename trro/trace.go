package trro

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Trace collects what one scrape's calls learned about the API: whether any
// answer came back and whether the API refused our credentials.
type Trace struct {
	mu       sync.Mutex
	calls    int
	answered int
	authFail int
	authCode string
	// log, when set, keeps every call (a debug probe).
	log bool
	all []Call
}

// Call is one API call a trace kept: no parameter, no secret.
type Call struct {
	Action, Code, RequestID string
	Duration                time.Duration
}

// KeepCalls makes t keep every call it is told of.
func (t *Trace) KeepCalls() {
	t.mu.Lock()
	t.log = true
	t.mu.Unlock()
}

// CallLog is the calls kept, in the order they ended.
func (t *Trace) CallLog() []Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.all)
}

type traceKey struct{}

// WithTrace returns a context whose calls report to tr.
func WithTrace(ctx context.Context, tr *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, tr)
}

func traceFrom(ctx context.Context) *Trace {
	tr, _ := ctx.Value(traceKey{}).(*Trace)
	return tr
}

func (t *Trace) record(c Call, e *Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	if t.log {
		t.all = append(t.all, c)
	}
	switch {
	case e == nil:
		t.answered++
	case e.CredentialsRejected():
		t.answered++
		t.authFail++
		t.authCode = e.Code
	case e.Answered():
		t.answered++
	}
}

// Up reports whether the API answered at least once and never refused our
// credentials.
func (t *Trace) Up() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.answered > 0 && t.authFail == 0
}

// Calls is how many HTTP attempts reported to the trace.
func (t *Trace) Calls() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls
}

// AuthFailure is the code of an AuthFailure the API answered, "" if none.
func (t *Trace) AuthFailure() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.authCode
}
