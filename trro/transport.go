package trro

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// cappedTransport reads each answer whole, up to a cap, before the SDK sees
// it: the SDK itself reads bodies without a limit and echoes them in errors.
type cappedTransport struct {
	base    http.RoundTripper
	maxBody int64
	// closed: the client was closed while calls were in flight; each
	// connection they return to the pool is closed then, not kept until
	// the idle timeout.
	closed *atomic.Bool
	idle   interface{ CloseIdleConnections() }
}

func (t *cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		resp.Body.Close()
		if t.closed != nil && t.closed.Load() {
			t.idle.CloseIdleConnections()
		}
	}()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4096)
		return nil, &HTTPStatusError{StatusCode: resp.StatusCode}
	}
	// Sized from Content-Length when the server sends one, so the read
	// does not grow the buffer step by step.
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(min(resp.ContentLength, t.maxBody) + 1))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, t.maxBody+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > t.maxBody {
		return nil, &TooLargeError{Limit: t.maxBody}
	}
	body := buf.Bytes()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

func newHTTPTransport(maxConns int) *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          maxConns * 2,
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
	}
}
