package collector_test

import (
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestHandlerPage: the whole page (the round's families, then the
// exporter's own) parses as one text exposition, gzipped when asked.
func TestHandlerPage(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{})
	for _, enc := range []string{"", "gzip", "deflate, gzip;q=0.5", "gzip;q=0", "identity"} {
		t.Run(enc, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			if enc != "" {
				req.Header.Set("Accept-Encoding", enc)
			}
			// Prometheus 2.x asks for OpenMetrics first; text is what it gets.
			req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
				t.Errorf("Content-Type %q", ct)
			}
			var body io.Reader = rec.Body
			wantGzip := strings.Contains(enc, "gzip") && !strings.Contains(enc, "q=0,") && !strings.HasSuffix(enc, "q=0")
			if got := rec.Header().Get("Content-Encoding") == "gzip"; got != wantGzip {
				t.Fatalf("Accept-Encoding %q: gzip %v, want %v", enc, got, wantGzip)
			}
			if wantGzip {
				zr, err := gzip.NewReader(rec.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = zr
			}
			parser := expfmt.NewTextParser(model.UTF8Validation)
			mfs, err := parser.TextToMetricFamilies(body)
			if err != nil {
				t.Fatalf("page does not parse: %v", err)
			}
			for _, name := range []string{"trro_up", "trro_device_info", "trro_license_expiry_timestamp_seconds", "trro_api_requests_total", "trro_api_request_duration_seconds"} {
				if len(mfs[name].GetMetric()) == 0 {
					t.Errorf("%s missing", name)
				}
			}
		})
	}
}
