// Package trro is a small client for the read actions of the Tencent Cloud
// TRRO (Real-time Teleoperation) API. Signing, credentials and the wire
// format come from the Tencent Cloud SDK's CommonClient; rate limiting,
// retries, deadlines and pagination are done here, because the SDK's own
// retry sleeps ignore the caller's context.
package trro

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"
)

// Service and Version identify the TRRO API for signing.
const (
	Service = "trro"
	Version = "2022-03-25"
	// DefaultEndpoint is the China-site endpoint.
	DefaultEndpoint = "trro.tencentcloudapi.com"
)

// Options configure a Client. Every value is used as given: the defaults
// live in the configuration (package config).
type Options struct {
	// Endpoint is a host ("trro.tencentcloudapi.com") or a URL
	// ("http://127.0.0.1:8080") for a stand-in server.
	Endpoint string
	Region   string
	// Credential signs requests; providers that refresh (CVM role, STS)
	// are fine.
	Credential common.CredentialIface
	// RequestTimeout bounds one HTTP attempt.
	RequestTimeout time.Duration
	// RateLimit is requests per second per action.
	RateLimit float64
	// MaxConcurrency bounds requests in flight across actions.
	MaxConcurrency int
	// MaxBodyBytes caps an answer's size.
	MaxBodyBytes int64
	// MaxRetries bounds retries of one call (0: none).
	MaxRetries int
	// RetryBackoff is the first retry's mean wait, doubling up to 2s.
	RetryBackoff time.Duration
	// PageSize asked for in list actions.
	PageSize int
	// MaxPages stops runaway pagination.
	MaxPages int
	// Observe, if set, is told of every HTTP attempt.
	Observe func(action, code string, d time.Duration)
	// Reserved, if set, is told when the rate limiter lets each attempt of
	// action go: the limiter's decision, whatever the scheduler does next.
	Reserved func(action string, at time.Time)
	// WrapTransport, if set, wraps the HTTP transport (benchmarks record
	// the answers with it).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

func (o *Options) check() error {
	switch {
	case o.Credential == nil:
		return errors.New("trro: no credential")
	case o.RequestTimeout <= 0, o.RetryBackoff <= 0:
		return errors.New("trro: request timeout and retry backoff must be positive")
	case o.RateLimit <= 0:
		return errors.New("trro: rate limit must be positive")
	case o.MaxConcurrency < 1, o.PageSize < 1, o.MaxPages < 1, o.MaxBodyBytes < 1:
		return errors.New("trro: concurrency, page size, page count and body size must be at least 1")
	case o.MaxRetries < 0:
		return errors.New("trro: max retries must not be negative")
	}
	return nil
}

// Client calls TRRO read actions. It is safe for concurrent use; its rate
// limits are shared by every caller.
type Client struct {
	sdk       *common.Client
	closed    *atomic.Bool
	transport *http.Transport
	opts      Options
	slots     *semaphore.Weighted

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewClient returns a Client for opts.
func NewClient(opts Options) (*Client, error) {
	if err := opts.check(); err != nil {
		return nil, err
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
	closed := new(atomic.Bool)
	sdk.WithHttpTransport(&cappedTransport{base: rt, maxBody: opts.MaxBodyBytes, closed: closed, idle: tr})
	return &Client{
		sdk:       sdk,
		closed:    closed,
		transport: tr,
		opts:      opts,
		slots:     semaphore.NewWeighted(int64(opts.MaxConcurrency)),
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

// Close releases idle connections, and those of calls still in flight as
// each ends: a client replaced on reload keeps no connection open.
func (c *Client) Close() {
	c.closed.Store(true)
	c.transport.CloseIdleConnections()
}

// reserve books action's next slot under its rate limit and returns the
// reservation and the time it was made at. The clock is read under the lock:
// reservations made with out-of-order times would let two calls go closer
// than the limit allows.
func (c *Client) reserve(action string) (*rate.Reservation, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.limiters[action]
	if !ok {
		// Burst 1 spaces calls evenly, so no one-second window of the
		// API's counter ever sees more than the limit.
		l = rate.NewLimiter(rate.Limit(c.opts.RateLimit), 1)
		c.limiters[action] = l
	}
	now := time.Now()
	return l.ReserveN(now, 1), now
}

// call sends one action with retries and returns its decoded answer.
func call[T any](ctx context.Context, c *Client, action string, req any) (*T, error) {
	// The SDK takes the parameters as JSON; the request types say how
	// with their json tags.
	params, err := json.Marshal(req)
	if err != nil {
		return nil, &Error{Action: action, Code: CodeClientError, Message: err.Error()}
	}
	backoff := c.opts.RetryBackoff
	for attempt := 0; ; attempt++ {
		out, e := attemptCall[T](ctx, c, action, params)
		if e == nil {
			return out, nil
		}
		if e.CredentialsRejected() || e.Denied() || !e.retryable() || attempt >= c.opts.MaxRetries || ctx.Err() != nil {
			return nil, e
		}
		// Jittered between half and one and a half times the backoff; give
		// up when the wait would not leave time for another try.
		wait := time.Duration(rand.Int64N(int64(backoff))) + backoff/2
		backoff = min(backoff*2, 2*time.Second)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+50*time.Millisecond {
			return nil, e
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, e
		case <-t.C:
		}
	}
}

// waitTurn waits until action's rate limit lets one more call go, and
// fails at once when that would be past ctx's deadline.
func (c *Client) waitTurn(ctx context.Context, action string) *Error {
	r, now := c.reserve(action)
	delay := r.DelayFrom(now)
	if dl, ok := ctx.Deadline(); ok && now.Add(delay).After(dl) {
		r.CancelAt(now)
		return &Error{Action: action, Code: CodeTimeout, Message: "rate limit leaves no time before the deadline"}
	}
	if c.opts.Reserved != nil {
		c.opts.Reserved(action, now.Add(delay))
	}
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return classify(action, ctx.Err(), ctx, ctx)
	}
}

func attemptCall[T any](ctx context.Context, c *Client, action string, params []byte) (*T, *Error) {
	if e := c.waitTurn(ctx, action); e != nil {
		return nil, e
	}
	if err := c.slots.Acquire(ctx, 1); err != nil {
		return nil, classify(action, err, ctx, ctx)
	}
	defer c.slots.Release(1)

	actx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	req := tchttp.NewCommonRequest(Service, Version, action)
	if err := req.SetActionParameters(params); err != nil {
		return nil, &Error{Action: action, Code: CodeClientError, Message: "encode request"}
	}
	req.SetContext(actx)
	ans := &answer[T]{action: action}
	start := time.Now()
	var e *Error
	if err := c.sdk.Send(req, ans); err != nil {
		e = classify(action, err, ctx, actx)
	} else if e = ans.err; e == nil && ans.got == nil {
		e = invalidResponse(action, "the SDK handed over no answer", nil)
	}
	call := Call{Action: action, Code: CodeOK, Duration: time.Since(start)}
	if e != nil {
		call.Code, call.RequestID = e.Code, e.RequestID
	} else if r, ok := any(ans.got).(response); ok {
		call.RequestID = r.responseMeta().RequestID
	}
	if c.opts.Observe != nil {
		c.opts.Observe(action, call.Code, call.Duration)
	}
	if tr := traceFrom(ctx); tr != nil {
		tr.record(call, e)
	}
	if e != nil {
		return nil, e
	}
	return ans.got, nil
}

// answer is the tchttp.Response the SDK fills: it reads the body and hands
// it to UnmarshalJSON, where one lenient pass (decode) reads the answer and
// its error object alike.
type answer[T any] struct {
	action string
	got    *T
	err    *Error
}

// ParseErrorFromHTTPResponse implements tchttp.Response. The error object is
// read with the rest of the answer in UnmarshalJSON, in one pass.
func (a *answer[T]) ParseErrorFromHTTPResponse([]byte) error { return nil }

// UnmarshalJSON decodes the answer; what is wrong with it is kept in a.err
// rather than returned, since the SDK would replace it with its own error
// quoting the whole body.
func (a *answer[T]) UnmarshalJSON(body []byte) error {
	a.got, a.err = decode[T](a.action, body)
	return nil
}
