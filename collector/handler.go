package collector

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
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
	// MaxRequestsInFlight answers 503 beyond this many concurrent scrapes
	// (0: no limit).
	MaxRequestsInFlight int
	// WriteGrace is how long past its scrape's deadline a page may take to
	// be written: a client that does not read is cut off then, and frees
	// its slot.
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
// HEAD with headers alone.
func serveMetrics(opts HandlerOptions, pick picker) http.Handler {
	var inflight *semaphore.Weighted
	if opts.MaxRequestsInFlight > 0 {
		inflight = semaphore.NewWeighted(int64(opts.MaxRequestsInFlight))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only GET starts an API round; HEAD answers the headers alone.
		switch r.Method {
		case http.MethodGet:
		case http.MethodHead:
			w.Header().Set("Content-Type", string(textFormat))
			return
		default:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed: this path answers GET and HEAD.", http.StatusMethodNotAllowed)
			return
		}
		if inflight != nil {
			if !inflight.TryAcquire(1) {
				http.Error(w, "too many concurrent scrapes", http.StatusServiceUnavailable)
				return
			}
			defer inflight.Release(1)
		}
		exporters, base, ok := pick(w, r)
		switch {
		case !ok:
			return
		case len(exporters) == 0:
			http.Error(w, "no configuration loaded", http.StatusServiceUnavailable)
			return
		}
		servePage(w, r, opts, exporters, base)
	})
}

// servePage runs the exporters' rounds and writes their page, then base's.
func servePage(w http.ResponseWriter, r *http.Request, opts HandlerOptions, exporters []*Exporter, base prometheus.Gatherer) {
	timeouts := make([]time.Duration, len(exporters))
	for i, e := range exporters {
		timeouts[i] = ScrapeTimeout(r.Header, opts.Offset, e.Timeout())
	}
	// The page is written by the scrape's deadline plus a grace, or not at
	// all: a reader that stalls must not hold a slot for the server's whole
	// write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(slices.Max(timeouts) + opts.WriteGrace))
	write := runRounds(r.Context(), exporters, timeouts)
	// After the rounds, so the API counters include their calls.
	var mfs []*dto.MetricFamily
	if base != nil {
		var err error
		if mfs, err = base.Gather(); err != nil && opts.ErrorLog != nil {
			opts.ErrorLog.Println("error gathering the exporter's own metrics:", err)
		}
	}
	h := w.Header()
	h.Set("Content-Type", string(textFormat))
	h.Add("Vary", "Accept-Encoding")
	var out io.Writer = w
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
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
	if err := write(out); err != nil {
		return // the scraper went away
	}
	enc := expfmt.NewEncoder(out, textFormat)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			if opts.ErrorLog != nil {
				opts.ErrorLog.Println("error encoding metric family", mf.GetName()+":", err)
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
