package collector

import (
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/trro-exporter/trro_exporter/trro"
)

// logRepeatEvery is how often an identical failure, repeated on every
// scrape, is logged again.
const logRepeatEvery = 5 * time.Minute

// failureLog keeps one line per failing collector per scrape at most, and
// an identical failure at most every logRepeatEvery, with how many times it
// happened meanwhile: logs must not grow with the fleet or the scrape rate.
type failureLog struct {
	logger log.Logger
	now    func() time.Time
	mu     sync.Mutex
	seen   map[string]*repeat
}

type repeat struct {
	last   time.Time
	missed int
}

func newFailureLog(logger log.Logger, now func() time.Time) *failureLog {
	return &failureLog{logger: logger, now: now, seen: map[string]*repeat{}}
}

// log reports what failed in scope (a collector, or "project discovery"):
// the count of failed parts and the first error with its action, code and
// request id; each part at debug.
func (l *failureLog) log(scope, key string, err error) {
	errs := trro.Flatten(err)
	for _, e := range errs {
		level.Debug(l.logger).Log("msg", "failed", "scope", scope, "err", e)
	}
	first := errs[0]
	kv := []any{"msg", scope + " failed", "failures", len(errs)}
	if key != "" {
		kv = append(kv, key, scope)
		kv[1] = "collector failed"
	}
	sig := scope + "|" + first.Error()
	if e, ok := trro.AsError(first); ok {
		kv = append(kv, "action", e.Action, "code", e.Code)
		if e.RequestID != "" {
			kv = append(kv, "request_id", e.RequestID)
		}
		// The request id differs on every call: the same failure again is
		// the same action and code, codes folded as the code label is (an
		// upstream inventing codes must not grow the map).
		sig = scope + "|" + e.Action + "|" + codeLabel(e.Code)
	}
	kv = append(kv, "err", first)
	if missed, ok := l.due(sig); !ok {
		return
	} else if missed > 0 {
		kv = append(kv, "repeated_since_last_logged", missed)
	}
	level.Error(l.logger).Log(kv...)
}

// due reports whether the failure sig is to be logged now, and how many
// times it was not since it last was.
func (l *failureLog) due(sig string) (missed int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.seen[sig]
	if r != nil && l.now().Sub(r.last) < logRepeatEvery {
		r.missed++
		return 0, false
	}
	if r != nil {
		missed = r.missed
	}
	l.seen[sig] = &repeat{last: l.now()}
	return missed, true
}
