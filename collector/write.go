package collector

import "time"

// outcome is what one collector brought to a round.
type outcome struct {
	err     error
	name    string
	res     Result // nil when the round was abandoned
	ok      bool
	elapsed time.Duration // 0 when answered from the last result
	lastOK  time.Time     // zero before the first success
}

// roundResult is an API round's outcome, shared by every scrape that
// joined the round and never changed once the round is over.
type roundResult struct {
	up       float64
	outcomes []outcome
}

// write sends a round's samples, family by family.
func (e *Exporter) write(s Sink, rr *roundResult) {
	s.Sample(e.up, rr.up)
	for _, o := range rr.outcomes {
		if o.res != nil {
			o.res.Write(s)
		}
	}
	e.drops.write(s)
	if e.deps.APIMetrics != nil {
		e.deps.APIMetrics.write(s)
	}
	for _, o := range rr.outcomes {
		if t, ok := o.res.(truncation); ok {
			s.Sample(truncatedFamily, boolValue(t.Truncated()), o.name)
		}
	}
	for _, o := range rr.outcomes {
		s.Sample(e.success, boolValue(o.ok), o.name)
	}
	for _, o := range rr.outcomes {
		if o.res != nil {
			s.Sample(e.duration, o.elapsed.Seconds(), o.name)
		}
	}
	for _, o := range rr.outcomes {
		if !o.lastOK.IsZero() {
			s.Sample(e.lastSuccess, float64(o.lastOK.UnixMilli())/1000, o.name)
		}
	}
}
