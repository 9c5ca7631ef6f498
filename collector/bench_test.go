package collector_test

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

// BenchmarkScrape is one full scrape, /metrics included, of 10 projects with
// 1 000 devices each and 10 000 license groups, against an in-process
// stand-in without latency (its CPU is counted too: see cmd/trro-bench for
// the exporter's own).
func BenchmarkScrape(b *testing.B) {
	e := benchExporter(b)
	h := collector.Handler(func() []*collector.Exporter { return []*collector.Exporter{e} }, prometheus.NewRegistry(), collector.HandlerOptions{})
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkWritePage is the page of one API round (about 120 000 series)
// written as /metrics writes it, against the same round as const metrics
// through a client_golang registry and expfmt, as promhttp would.
func BenchmarkWritePage(b *testing.B) {
	write, c := collector.FixedRound(context.Background(), benchExporter(b))
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := write(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("registry", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(c)
		b.ReportAllocs()
		for b.Loop() {
			mfs, err := reg.Gather()
			if err != nil {
				b.Fatal(err)
			}
			enc := expfmt.NewEncoder(io.Discard, expfmt.NewFormat(expfmt.TypeTextPlain))
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// benchExporter is an exporter of the default collectors over 10 projects
// with 1 000 devices each and 10 000 license groups.
func benchExporter(b *testing.B) *collector.Exporter {
	spec := standin.Spec{Projects: 10, DevicesPerProject: 1000, LicenseGroups: 10000, SessionsPerDevice: 4}
	srv := standin.NewServer(standin.Generate(spec, now), standin.Credential{SecretID: testID, SecretKey: testKey})
	srv.Now = func() time.Time { return now }
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	def := config.Default(collector.Schema())
	opts := def.ClientOptions(common.NewCredential(testID, testKey))
	opts.Endpoint, opts.RateLimit = ts.URL, 1e6
	c, err := trro.NewClient(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	acc := def.Account
	acc.ScrapeTimeout = config.Duration(time.Minute)
	return collector.New(acc, collector.Deps{API: c, Now: func() time.Time { return now }})
}
