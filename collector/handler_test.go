package collector_test

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
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

// failingWriter fails every write, as a connection the scraper closed.
type failingWriter struct{ calls int }

func (f *failingWriter) Write([]byte) (int, error) {
	f.calls++
	return 0, errors.New("connection reset by peer")
}

// TestWriteStopsAtFirstError: a scraper that went away gets no more
// writes, and the error comes back.
func TestWriteStopsAtFirstError(t *testing.T) {
	spec := standin.Spec{Projects: 2, DevicesPerProject: 300, LicenseGroups: 500, SessionsPerDevice: 1}
	e := newEnv(t, standin.Generate(spec, now), envOpts{maxDevices: 1000, collectors: []string{"devices", "device_status", "licenses"}})
	write, _ := collector.FixedRound(context.Background(), e.exp)
	var size countingWriter
	if err := write(&size); err != nil || size < 3*32<<10 {
		t.Fatalf("page of %d bytes, err %v: want several buffers' worth", size, err)
	}
	w := &failingWriter{}
	if err := write(w); err == nil || w.calls != 1 {
		t.Fatalf("err %v after %d writes; want the error after one", err, w.calls)
	}
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// Before any configuration is loaded, both handlers say so with a 503,
// never an empty page.
func TestNoConfigurationIs503(t *testing.T) {
	none := func() []*collector.Exporter { return nil }
	for path, h := range map[string]http.Handler{
		"/metrics":         collector.Handler(none, prometheus.NewRegistry(), collector.HandlerOptions{}),
		"/probe?account=a": collector.ProbeHandler(none, collector.HandlerOptions{}),
		"/probe?account=":  collector.ProbeHandler(none, collector.HandlerOptions{}),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), "no configuration loaded") {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Body.String())
		}
	}
}

// /probe?account=NAME&debug=true reports a round of the account's own as
// plain text: every call with its code and request id, and each
// collector's outcome; no secret.
func TestProbeDebug(t *testing.T) {
	e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{"projects", "licenses"}, account: func(a *config.Account) { a.Name = "acme" }})
	e.srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultError, Code: "InternalError"})
	h := collector.ProbeHandler(func() []*collector.Exporter { return []*collector.Exporter{e.exp} }, collector.HandlerOptions{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/probe?account=acme&debug=true", nil))
	body := rec.Body.String()
	for _, want := range []string{"account acme: a debug round", "DescribeProjectList", " OK ", "GetLicenses", "InternalError",
		"collectors:", "projects ", " ok", "licenses ", "failed: "} {
		if !strings.Contains(body, want) {
			t.Errorf("debug page lacks %q:\n%s", want, body)
		}
	}
	if !regexp.MustCompile(`DescribeProjectList\s+OK\s+\S+\s+\S{8,}`).MatchString(body) {
		t.Errorf("no request id for the project list:\n%s", body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || strings.Contains(body, testKey) {
		t.Errorf("content type %q, or the secret shown", ct)
	}
}
