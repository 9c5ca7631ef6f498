package collector

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// HandlerOptions configure the /metrics handler.
type HandlerOptions struct {
	// Offset is taken off Prometheus' scrape timeout header so that the
	// answer arrives before Prometheus gives up.
	Offset time.Duration
	// MaxRequestsInFlight answers 503 beyond this many scrapes of one
	// target (the whole page, or one account's) being made at once (0: no
	// limit).
	MaxRequestsInFlight int
	// WriteGrace is how long a page, once made, may take to be written: a
	// client that does not read is cut off then.
	WriteGrace time.Duration
	ErrorLog   promhttp.Logger
}

// textFormat is the one format served: every Prometheus version reads it,
// and writing it straight from the API answers is what keeps a scrape of
// a large fleet cheap (see BENCHMARKS.md).
var textFormat = expfmt.NewFormat(expfmt.TypeTextPlain)

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// Handler serves /metrics: the metrics of every account's exporter that
// current() returns when the request arrives, plus base (the exporter's own
// metrics). The accounts' rounds run side by side, each with a deadline
// from the scrape timeout header capped by its own timeout: a slow account
// answers what it has by then and never holds the others back.
func Handler(current func() []*Exporter, base prometheus.Gatherer, opts HandlerOptions) http.Handler {
	return serveMetrics(opts, func(w http.ResponseWriter, r *http.Request) ([]*Exporter, prometheus.Gatherer, bool) {
		return current(), base, true
	})
}

// ProbeHandler serves /probe?account=NAME: one account's metrics alone, so
// that each account can be a Prometheus target of its own. A missing or
// unknown account gets 400 with the names, and no API round.
func ProbeHandler(current func() []*Exporter, opts HandlerOptions) http.Handler {
	return serveMetrics(opts, func(w http.ResponseWriter, r *http.Request) ([]*Exporter, prometheus.Gatherer, bool) {
		all := current()
		name := r.URL.Query().Get("account")
		names := make([]string, len(all))
		for i, e := range all {
			if e.Account() == name {
				return []*Exporter{e}, nil, true
			}
			names[i] = e.Account()
		}
		if len(all) == 0 {
			return nil, nil, true // no configuration: serveMetrics says so
		}
		// The caller's query is quoted in part only: an error page is no
		// echo of a megabyte.
		if len(name) > 64 {
			name = strings.ToValidUTF8(name[:64], "") + "…"
		}
		msg := fmt.Sprintf("unknown account %q", name)
		if name == "" {
			msg = "the account parameter is missing"
		}
		http.Error(w, msg+"; accounts: "+strings.Join(names, ", "), http.StatusBadRequest)
		return nil, nil, false
	})
}

// picker chooses what a request is answered with: the exporters and the
// exporter's own metrics (nil: none); false when it has answered itself.
type picker func(http.ResponseWriter, *http.Request) ([]*Exporter, prometheus.Gatherer, bool)

// serveMetrics answers GET with the page of the exporters pick chooses,
// HEAD with headers alone. Each target (the whole /metrics page, or one
// account's /probe page) has MaxRequestsInFlight slots of its own: a slow
// account never takes another's. A slot is held while the page is made,
// not while it is written: a client that does not read holds no slot.
func serveMetrics(opts HandlerOptions, pick picker) http.Handler {
	slots := &targetSlots{n: int64(opts.MaxRequestsInFlight)}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed: this path answers GET and HEAD.", http.StatusMethodNotAllowed)
			return
		}
		exporters, base, ok := pick(w, r)
		switch {
		case !ok:
			return
		case len(exporters) == 0:
			http.Error(w, "no configuration loaded", http.StatusServiceUnavailable)
			return
		case r.Method == http.MethodHead: // the headers alone, no API round
			w.Header().Set("Content-Type", string(textFormat))
			return
		}
		target := ""
		if base == nil { // one account's page
			target = exporters[0].Account()
		}
		release, ok := slots.acquire(target)
		if !ok {
			http.Error(w, "too many concurrent scrapes", http.StatusServiceUnavailable)
			return
		}
		if base == nil && r.URL.Query().Get("debug") == "true" {
			defer release()
			debugPage(w, r, opts, exporters[0])
			return
		}
		p := makePage(r, opts, exporters, base)
		release()
		p.writeTo(w, opts)
	})
}

// debugPage answers /probe?account=NAME&debug=true: a round of the account's
// own, reported as plain text (see Exporter.Debug).
func debugPage(w http.ResponseWriter, r *http.Request, opts HandlerOptions, e *Exporter) {
	ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r.Header, opts.Offset, e.Timeout()))
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	e.Debug(ctx, w)
}

// targetSlots are the slots of each target, made on first use.
type targetSlots struct {
	n  int64 // per target; 0: no limit
	mu sync.Mutex
	m  map[string]*semaphore.Weighted
}

// acquire takes a slot of target, or returns false when all are taken.
func (s *targetSlots) acquire(target string) (release func(), ok bool) {
	if s.n <= 0 {
		return func() {}, true
	}
	s.mu.Lock()
	if s.m == nil {
		s.m = map[string]*semaphore.Weighted{}
	}
	sem := s.m[target]
	if sem == nil {
		sem = semaphore.NewWeighted(s.n)
		s.m[target] = sem
	}
	s.mu.Unlock()
	if !sem.TryAcquire(1) {
		return nil, false
	}
	return func() { sem.Release(1) }, true
}

// page is a page made and not yet written: the rounds are over, and what
// is left is rendering their samples, which happens as the client reads.
// Rendering into memory first would hold the whole page (tens of MB for a
// large fleet, once per concurrent scrape) for the sake of a slot that only
// has to bound the rounds' work.
type page struct {
	write func(io.Writer) error // the accounts' samples
	mfs   []*dto.MetricFamily   // the exporter's own metrics
	gzip  bool
}

// makePage runs the exporters' rounds and gathers base's metrics after
// them, so the API counters include their calls.
func makePage(r *http.Request, opts HandlerOptions, exporters []*Exporter, base prometheus.Gatherer) page {
	timeouts := make([]time.Duration, len(exporters))
	for i, e := range exporters {
		timeouts[i] = ScrapeTimeout(r.Header, opts.Offset, e.Timeout())
	}
	p := page{write: runRounds(r.Context(), exporters, timeouts), gzip: acceptsGzip(r.Header.Get("Accept-Encoding"))}
	if base != nil {
		var err error
		if p.mfs, err = base.Gather(); err != nil && opts.ErrorLog != nil {
			opts.ErrorLog.Println("error gathering the exporter's own metrics:", err)
		}
	}
	return p
}

// writeTo renders the page to w as it goes out, within opts.WriteGrace: a
// client that stalls is cut off then, and holds no slot meanwhile.
func (p page) writeTo(w http.ResponseWriter, opts HandlerOptions) {
	h := w.Header()
	h.Set("Content-Type", string(textFormat))
	h.Add("Vary", "Accept-Encoding")
	if opts.WriteGrace > 0 {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(opts.WriteGrace))
	}
	var out io.Writer = w
	if p.gzip {
		h.Set("Content-Encoding", "gzip")
		gz := gzipPool.Get().(*gzip.Writer)
		gz.Reset(w)
		defer func() {
			gz.Close()
			gz.Reset(nil)
			gzipPool.Put(gz)
		}()
		out = gz
	}
	if err := p.write(out); err != nil {
		return // the scraper went away, or stalled past the grace
	}
	enc := expfmt.NewEncoder(out, textFormat)
	for _, mf := range p.mfs {
		if err := enc.Encode(mf); err != nil {
			if opts.ErrorLog != nil {
				opts.ErrorLog.Println("error writing metric family", mf.GetName()+":", err)
			}
			return
		}
	}
}

// runRounds runs each exporter's round with its timeout, side by side, and
// returns what writes their samples. One account streams its page as it
// is written; several render their samples as soon as their own round
// ends, while the others' rounds still run, and the page is merged family
// by family.
func runRounds(ctx context.Context, exporters []*Exporter, timeouts []time.Duration) func(io.Writer) error {
	rounds := make([]*roundResult, len(exporters))
	parts := make([]*pageParts, len(exporters))
	var g errgroup.Group
	for i, e := range exporters {
		g.Go(func() error {
			ctx, cancel := context.WithTimeout(ctx, timeouts[i])
			defer cancel()
			rounds[i] = e.round(ctx)
			if len(exporters) > 1 {
				s := newPartsSink(e.extra)
				e.write(s, rounds[i])
				parts[i] = s.done()
			}
			return nil
		})
	}
	g.Wait()
	if len(exporters) > 1 {
		return func(out io.Writer) error { return mergeParts(out, parts) }
	}
	return func(out io.Writer) error {
		sink := newTextSink(out)
		sink.extra = exporters[0].extra
		exporters[0].write(sink, rounds[0])
		return sink.Flush()
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, found := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !found {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

// ScrapeTimeout is X-Prometheus-Scrape-Timeout-Seconds minus offset, capped
// by max; max alone when the header is missing or malformed.
func ScrapeTimeout(h http.Header, offset, max time.Duration) time.Duration {
	v := h.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return max
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs <= 0 || secs > 1e6 {
		return max
	}
	t := time.Duration(secs * float64(time.Second))
	if t-offset > 0 {
		t -= offset
	}
	return min(t, max)
}
