package trro_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
	"github.com/trro-exporter/trro_exporter/trro"
)

const (
	testID  = "AKIDtestid0000000000000000000000"
	testKey = "testsecretkey-do-not-leak-0123456"
)

type observed struct {
	mu    sync.Mutex
	codes map[string]int
}

func (o *observed) observe(action, code string, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes[action+" "+code]++
}

func (o *observed) get(k string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.codes[k]
}

// codeOf is err's code label: OK for nil, else the *trro.Error's code.
func codeOf(err error) string {
	if err == nil {
		return trro.CodeOK
	}
	if e, ok := trro.AsError(err); ok {
		return e.Code
	}
	return "not a *trro.Error: " + err.Error()
}

func setup(t *testing.T, fleet *standin.Fleet, mod func(*trro.Options)) (*trro.Client, *standin.Server, *observed) {
	t.Helper()
	srv := standin.NewServer(fleet, standin.Credential{SecretID: testID, SecretKey: testKey})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	obs := &observed{codes: map[string]int{}}
	opts := config.Default(config.Schema{}).ClientOptions(common.NewCredential(testID, testKey))
	opts.Endpoint, opts.RateLimit, opts.Observe = ts.URL, 1000, obs.observe
	if mod != nil {
		mod(&opts)
	}
	c, err := trro.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, obs
}

func licenseFleet(n int) *standin.Fleet {
	f := &standin.Fleet{}
	for i := 0; i < n; i++ {
		f.Licenses = append(f.Licenses, standin.LicenseGroup{Count: 1, Status: i % 4, ExpireTime: 1700000000 + int64(i), RemainDay: i, LicenseIDs: []string{fmt.Sprintf("lic-%03d", i)}})
	}
	return f
}

func TestPaginationCollectsEveryPage(t *testing.T) {
	c, srv, _ := setup(t, licenseFleet(250), func(o *trro.Options) { o.PageSize = 500 })
	srv.MaxPageSize = 40 // the server caps the page size we ask for
	got, _, err := c.GetLicenses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("got %d licenses, want 250", len(got))
	}
	if n := srv.Calls("GetLicenses"); n != 7 { // ceil(250/40)
		t.Fatalf("made %d calls, want 7", n)
	}
	if got[249].LicenseIDs[0] != "lic-249" || got[249].ExpireTime != trro.IntOf(1700000249) {
		t.Fatalf("last item = %+v", got[249])
	}
}

func TestPaginationStopsOnEmptyPageWhenTotalLies(t *testing.T) {
	c, srv, _ := setup(t, licenseFleet(5), nil)
	srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultTotal, Delta: 1000})
	got, _, err := c.GetLicenses(context.Background())
	if err != nil || len(got) != 5 {
		t.Fatalf("got %d, %v; want 5 items", len(got), err)
	}
	// Page 1, then one window of pages of which the first comes back
	// empty: a lying total wastes at most one window of calls.
	if n := srv.Calls("GetLicenses"); n != 1+8 {
		t.Fatalf("made %d calls, want 9 (page 1 and one window of 8)", n)
	}
}

func TestPaginationPageCap(t *testing.T) {
	c, srv, _ := setup(t, licenseFleet(50), func(o *trro.Options) { o.PageSize = 10; o.MaxPages = 3 })
	_ = srv
	_, _, err := c.GetLicenses(context.Background())
	if e, ok := trro.AsError(err); !ok || e.Code != trro.CodeInvalidResponse || !strings.Contains(e.Message, "after 3 pages") {
		t.Fatalf("err = %v, want page cap error", err)
	}
}

func TestFailedPageFailsWholeList(t *testing.T) {
	c, srv, _ := setup(t, licenseFleet(30), func(o *trro.Options) { o.PageSize = 10 })
	srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultError, Code: "InvalidParameter", Page: 2})
	got, _, err := c.GetLicenses(context.Background())
	if err == nil || got != nil {
		t.Fatalf("got %d items, err %v; want no items and an error", len(got), err)
	}
	if codeOf(err) != "InvalidParameter" {
		t.Fatalf("code = %s", codeOf(err))
	}
}

func TestNumbersAsStringsAndNulls(t *testing.T) {
	c, srv, _ := setup(t, licenseFleet(3), nil)
	srv.StringNumbers = true
	got, _, err := c.GetLicenses(context.Background())
	if err != nil || len(got) != 3 || got[2].RemainDay != trro.IntOf(2) || got[2].Status != trro.IntOf(2) {
		t.Fatalf("string numbers: %+v, %v", got, err)
	}
	srv.StringNumbers = false
	srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultNulls})
	got, _, err = c.GetLicenses(context.Background())
	if err != nil || len(got) != 3 {
		t.Fatalf("nulls: %+v, %v", got, err)
	}
	if got[0].ExpireTime.Valid || got[0].Count.Valid || got[0].LicenseIDs != nil {
		t.Fatalf("nulls decoded as values: %+v", got[0])
	}
}

func TestWrongSecretIsAuthFailureWithoutRetry(t *testing.T) {
	c, srv, obs := setup(t, licenseFleet(1), func(o *trro.Options) { o.Credential = common.NewCredential(testID, "wrong-key") })
	_, _, err := c.GetLicenses(context.Background())
	e, ok := trro.AsError(err)
	if !ok || e.Code != "AuthFailure.SignatureFailure" || e.RequestID == "" {
		t.Fatalf("err = %v", err)
	}
	if srv.Calls("GetLicenses") != 1 || obs.get("GetLicenses AuthFailure.SignatureFailure") != 1 {
		t.Fatalf("auth failure was retried: %d calls", srv.Calls("GetLicenses"))
	}
	if strings.Contains(err.Error(), "wrong-key") {
		t.Fatal("secret in error")
	}
}

func TestRetriesTransientErrors(t *testing.T) {
	for _, f := range []standin.Fault{
		{Kind: standin.FaultError, Code: "RequestLimitExceeded", Times: 2},
		{Kind: standin.FaultError, Code: "InternalError", Times: 2},
		{Kind: standin.FaultHTTP, Status: 503, Times: 2},
		{Kind: standin.FaultReset, Times: 2},
	} {
		c, srv, _ := setup(t, licenseFleet(1), nil)
		srv.SetFault("GetLicenses", &f)
		got, _, err := c.GetLicenses(context.Background())
		if err != nil || len(got) != 1 {
			t.Fatalf("fault %+v: %v", f, err)
		}
		if n := srv.Calls("GetLicenses"); n != 3 {
			t.Fatalf("fault %+v: %d calls, want 3", f, n)
		}
	}
}

func TestClientSideCodes(t *testing.T) {
	cases := []struct {
		fault standin.Fault
		code  string
	}{
		{standin.Fault{Kind: standin.FaultHTTP, Status: 502}, trro.CodeHTTPError},
		{standin.Fault{Kind: standin.FaultInvalidJSON}, trro.CodeInvalidResponse},
		{standin.Fault{Kind: standin.FaultTruncated}, trro.CodeInvalidResponse},
		{standin.Fault{Kind: standin.FaultOversized, Size: 2 << 20}, trro.CodeResponseTooLarge},
		{standin.Fault{Kind: standin.FaultReset}, trro.CodeNetworkError},
		{standin.Fault{Kind: standin.FaultError, Code: "bad code with spaces"}, trro.CodeInvalidResponse},
	}
	for _, tc := range cases {
		c, srv, obs := setup(t, licenseFleet(1), func(o *trro.Options) { o.MaxRetries = 0; o.MaxBodyBytes = 1 << 20 })
		srv.SetFault("GetLicenses", &tc.fault)
		_, _, err := c.GetLicenses(context.Background())
		if got := codeOf(err); got != tc.code {
			t.Errorf("fault %+v: code %s (%v), want %s", tc.fault, got, err, tc.code)
		}
		if obs.get("GetLicenses "+tc.code) != 1 {
			t.Errorf("fault %+v: not observed as %s: %v", tc.fault, tc.code, obs.codes)
		}
		if len(err.Error()) > 400 || strings.Contains(err.Error(), "<html") {
			t.Errorf("error leaks the body: %q", err)
		}
	}
}

func TestDeadlineStopsSlowCalls(t *testing.T) {
	c, srv, _ := setup(t, licenseFleet(1), nil)
	srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultSlow, Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.GetLicenses(ctx)
	// Long before the 5s answer; room left for a busy machine.
	if el := time.Since(start); el > 4*time.Second {
		t.Fatalf("returned after %v", el)
	}
	if codeOf(err) != trro.CodeTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// The limiter's decisions are checked, not the arrival times at the
// server, which a busy scheduler can bunch up.
func TestRateLimitPerAction(t *testing.T) {
	var mu sync.Mutex
	reserved := map[string][]time.Time{}
	c, srv, _ := setup(t, licenseFleet(1), func(o *trro.Options) {
		o.RateLimit = 20
		o.Reserved = func(action string, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			reserved[action] = append(reserved[action], at)
		}
	})
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if _, _, err := c.GetLicenses(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	// Another action has a limit of its own: it does not queue behind.
	if _, err := c.GetLicenseStat(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	times := reserved["GetLicenses"]
	if len(times) != 30 || srv.Calls("GetLicenses") != 30 {
		t.Fatalf("%d reservations, %d calls", len(times), srv.Calls("GetLicenses"))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	// Calls spaced 1/20 s apart: no one-second window holds more than 20.
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 49*time.Millisecond {
			t.Fatalf("calls %d and %d only %v apart at 20/s", i-1, i, gap)
		}
	}
	if first, stat := times[0], reserved["GetLicenseStat"][0]; stat.Sub(first) > time.Second {
		t.Errorf("GetLicenseStat waited %v behind GetLicenses", stat.Sub(first))
	}
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"trro.tencentcloudapi.com": "https trro.tencentcloudapi.com",
		"http://127.0.0.1:8080":    "http 127.0.0.1:8080",
		"https://example.com/":     "https example.com",
		"ftp://x":                  "error",
		"http://a/b":               "error",
		"a b":                      "error",
	} {
		s, h, err := trro.ParseEndpoint(in)
		got := s + " " + h
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("ParseEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPagesAfterTheFirstAreFetchedTogether(t *testing.T) {
	c, srv, _ := setup(t, licenseFleet(1000), nil)
	// Pages 2..9 (a window of eight) are held until all eight are in
	// flight: fetched one at a time, they would never all arrive.
	var mu sync.Mutex
	arrived, all := 0, make(chan struct{})
	srv.OnRequest(func(ctx context.Context, _ string) {
		mu.Lock()
		arrived++
		if arrived == 9 {
			close(all)
		}
		n := arrived
		mu.Unlock()
		if n == 1 || n > 9 {
			return
		}
		select {
		case <-all:
		case <-ctx.Done():
		case <-time.After(20 * time.Second):
		}
	})
	got, _, err := c.GetLicenses(context.Background())
	if err != nil || len(got) != 1000 {
		t.Fatalf("%d items, %v", len(got), err)
	}
	if peak := srv.PeakInFlight(); peak < 8 {
		t.Errorf("at most %d pages in flight at once, want a window of 8", peak)
	}
	if srv.Calls("GetLicenses") != 10 {
		t.Errorf("%d calls, want 10", srv.Calls("GetLicenses"))
	}
	for i, l := range got {
		if string(l.LicenseIDs[0]) != fmt.Sprintf("lic-%03d", i) {
			t.Fatalf("item %d is %s: pages out of order", i, l.LicenseIDs[0])
		}
	}
}

// A retried call must not keep anything of the failed attempt's answer.
func TestRetryDoesNotKeepTheFailedAnswer(t *testing.T) {
	c, srv, _ := setup(t, licenseFleet(2), nil)
	srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultError, Code: "InternalError", Times: 1})
	got, _, err := c.GetLicenses(context.Background())
	if err != nil || len(got) != 2 {
		t.Fatalf("%d items, %v", len(got), err)
	}
}

// A client closed while calls are in flight keeps no connection once they
// end: a reload that replaces an account leaves nothing open.
func TestCloseReleasesConnectionsOfCallsInFlight(t *testing.T) {
	srv := standin.NewServer(licenseFleet(3), standin.Credential{SecretID: testID, SecretKey: testKey})
	srv.SetFault("GetLicenses", &standin.Fault{Kind: standin.FaultSlow, Delay: 300 * time.Millisecond})
	var open atomic.Int64
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	opts := config.Default(config.Schema{}).ClientOptions(common.NewCredential(testID, testKey))
	opts.Endpoint, opts.RateLimit = ts.URL, 1000
	c, err := trro.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { c.GetLicenses(context.Background()) })
	}
	for deadline := time.Now().Add(5 * time.Second); open.Load() < 3 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
	}
	c.Close() // while the three calls are in flight
	wg.Wait()
	// A round still running makes its next calls on the closed client.
	srv.SetFault("GetLicenses", nil)
	if _, _, err := c.GetLicenses(context.Background()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); open.Load() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open after the calls of a closed client ended", open.Load())
		}
	}
}
