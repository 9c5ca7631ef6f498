// Package trro is a small client for the read actions of the Tencent Cloud
// TRRO (Real-time Teleoperation) API. Signing, credentials and the wire
// format come from the Tencent Cloud SDK's common module; rate limiting,
// retries, deadlines and pagination are done here, because the SDK's own
// retry sleeps ignore the caller's context.
package trro

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	"golang.org/x/time/rate"
)

// Service and Version identify the TRRO API for signing.
const (
	Service = "trro"
	Version = "2022-03-25"
	// DefaultEndpoint is the China-site endpoint.
	DefaultEndpoint = "trro.tencentcloudapi.com"
)

// Options configure a Client. Zero values take the defaults noted.
type Options struct {
	// Endpoint is a host ("trro.tencentcloudapi.com") or a URL
	// ("http://127.0.0.1:8080") for a stand-in server.
	Endpoint string
	Region   string
	// Credential signs requests; providers that refresh (CVM role, STS)
	// are fine.
	Credential common.CredentialIface
	// RequestTimeout bounds one HTTP attempt (default 10s).
	RequestTimeout time.Duration
	// RateLimit is requests per second per action (default 20).
	RateLimit float64
	// MaxConcurrency bounds requests in flight across actions (default 10).
	MaxConcurrency int
	// MaxBodyBytes caps an answer's size (default 16 MiB).
	MaxBodyBytes int64
	// MaxRetries bounds retries of one call (default 3; negative disables).
	MaxRetries int
	// RetryBackoff is the first retry's mean wait, doubling up to 2s
	// (default 100ms).
	RetryBackoff time.Duration
	// PageSize asked for in list actions (default 100).
	PageSize int
	// MaxPages stops runaway pagination (default 1000).
	MaxPages int
	// Observe, if set, is told of every HTTP attempt.
	Observe func(action, code string, d time.Duration)
	// WrapTransport, if set, wraps the HTTP transport (benchmarks record
	// the answers with it).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Client calls TRRO read actions. It is safe for concurrent use; its rate
// limits are shared by every caller.
type Client struct {
	sdk       *common.Client
	transport *http.Transport
	opts      Options
	sem       chan struct{}

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewClient returns a Client for opts.
func NewClient(opts Options) (*Client, error) {
	if opts.Credential == nil {
		return nil, fmt.Errorf("trro: no credential")
	}
	if opts.Endpoint == "" {
		opts.Endpoint = DefaultEndpoint
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 20
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 10
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 16 << 20
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 3
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 100 * time.Millisecond
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = 1000
	}
	scheme, host, err := ParseEndpoint(opts.Endpoint)
	if err != nil {
		return nil, err
	}
	prof := profile.NewClientProfile()
	prof.HttpProfile.Endpoint = host
	prof.HttpProfile.Scheme = scheme
	prof.HttpProfile.ReqMethod = "POST"
	prof.HttpProfile.ReqTimeout = 0 // our per-attempt context bounds each call
	prof.DisableRegionBreaker = true
	prof.Debug = false // debug dumps would print signed headers
	prof.NetworkFailureMaxRetries = 0
	prof.RateLimitExceededMaxRetries = 0
	prof.Language = "en-US"
	sdk := common.NewCommonClient(opts.Credential, opts.Region, prof)
	tr := newHTTPTransport(opts.MaxConcurrency)
	var rt http.RoundTripper = tr
	if opts.WrapTransport != nil {
		rt = opts.WrapTransport(tr)
	}
	sdk.WithHttpTransport(&cappedTransport{base: rt, maxBody: opts.MaxBodyBytes})
	return &Client{
		sdk:       sdk,
		transport: tr,
		opts:      opts,
		sem:       make(chan struct{}, opts.MaxConcurrency),
		limiters:  map[string]*rate.Limiter{},
	}, nil
}

// ParseEndpoint splits a host or URL endpoint into the SDK's scheme and host.
func ParseEndpoint(endpoint string) (scheme, host string, err error) {
	if !strings.Contains(endpoint, "://") {
		if endpoint == "" || strings.ContainsAny(endpoint, "/ ") {
			return "", "", fmt.Errorf("invalid endpoint %q: want a host such as %s or a URL such as http://127.0.0.1:8080", endpoint, DefaultEndpoint)
		}
		return "https", endpoint, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil {
		return "", "", fmt.Errorf("invalid endpoint %q: want http:// or https:// and a host, without a path", endpoint)
	}
	return u.Scheme, u.Host, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

func (c *Client) limiter(action string) *rate.Limiter {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.limiters[action]
	if !ok {
		// Burst 1 spaces calls evenly, so no one-second window of the
		// API's counter ever sees more than the limit.
		l = rate.NewLimiter(rate.Limit(c.opts.RateLimit), 1)
		c.limiters[action] = l
	}
	return l
}

// call sends one action with retries and decodes the answer into out.
func (c *Client) call(ctx context.Context, action string, req any, out response) error {
	params := paramsOf(req)
	backoff := c.opts.RetryBackoff
	for attempt := 0; ; attempt++ {
		err := c.attempt(ctx, action, params, out)
		if err == nil {
			return nil
		}
		e := err.(*Error)
		if e.IsAuth() || !e.retryable() || attempt >= c.opts.MaxRetries || ctx.Err() != nil {
			return e
		}
		// Jittered between half and one and a half times the backoff; give
		// up when the wait would not leave time for another try.
		wait := time.Duration(rand.Int64N(int64(backoff))) + backoff/2
		backoff = min(backoff*2, 2*time.Second)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+50*time.Millisecond {
			return e
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return e
		case <-t.C:
		}
	}
}

// paramsOf turns a request struct into the map the SDK sends as it is:
// handed bytes, the SDK would parse them back into a map on every call.
func paramsOf(req any) map[string]any {
	v := reflect.ValueOf(req)
	t := v.Type()
	m := make(map[string]any, t.NumField())
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if f := v.Field(i); opts != "omitempty" || !f.IsZero() {
			m[name] = f.Interface()
		}
	}
	return m
}

func (c *Client) attempt(ctx context.Context, action string, params map[string]any, out response) error {
	if err := c.limiter(action).Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return classify(action, ctx.Err(), ctx, ctx)
		}
		// Wait fails early when the next slot lies past the deadline.
		return &Error{Action: action, Code: CodeTimeout, Message: "rate limit leaves no time before the deadline", cause: err}
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return classify(action, ctx.Err(), ctx, ctx)
	}
	defer func() { <-c.sem }()

	actx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	req := tchttp.NewCommonRequest(Service, Version, action)
	if err := req.SetActionParameters(params); err != nil {
		return &Error{Action: action, Code: CodeClientError, Message: "encode request"}
	}
	req.SetContext(actx)
	resp := &sdkResponse{action: action, out: out}
	start := time.Now()
	err := c.sdk.Send(req, resp)
	if errors.Is(err, errDecoded) {
		err = nil
	}
	var e *Error
	if err != nil {
		e = classify(action, err, ctx, actx)
	}
	if c.opts.Observe != nil {
		code := CodeOK
		if e != nil {
			code = e.Code
		}
		c.opts.Observe(action, code, time.Since(start))
	}
	if tr := traceFrom(ctx); tr != nil {
		tr.record(e)
	}
	if e != nil {
		return e
	}
	return nil
}

// sdkResponse lets the SDK hand us the raw body; decoding is ours so that
// numbers sent as strings and nulls are accepted.
type sdkResponse struct {
	action string
	out    response
}

func (r *sdkResponse) ParseErrorFromHTTPResponse(body []byte) error {
	if err := decodeEnvelope(r.action, body, r.out); err != nil {
		return err
	}
	// Stop the SDK here: it would scan the whole body again only to call
	// UnmarshalJSON, which has nothing left to do.
	return errDecoded
}

// errDecoded tells Send's caller that the answer was decoded successfully.
var errDecoded = errors.New("trro: answer decoded")

// UnmarshalJSON is a no-op: the body was decoded in ParseErrorFromHTTPResponse.
func (r *sdkResponse) UnmarshalJSON([]byte) error { return nil }
