package trro

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// cappedTransport reads each answer whole, up to a cap, before the SDK sees
// it: the SDK itself reads bodies without a limit and echoes them in errors.
type cappedTransport struct {
	base    http.RoundTripper
	maxBody int64
}

func (t *cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4096)
		return nil, &HTTPStatusError{StatusCode: resp.StatusCode}
	}
	// The buffer comes back to the pool when the SDK closes the body,
	// having copied it: a scrape reads hundreds of answers.
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	if resp.ContentLength > 0 {
		buf.Grow(int(min(resp.ContentLength, t.maxBody) + 1))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, t.maxBody+1)); err != nil {
		bodyPool.Put(buf)
		return nil, err
	}
	if int64(buf.Len()) > t.maxBody {
		bodyPool.Put(buf)
		return nil, &TooLargeError{Limit: t.maxBody}
	}
	resp.Body = &pooledBody{Reader: bytes.NewReader(buf.Bytes()), buf: buf}
	resp.ContentLength = int64(buf.Len())
	// The SDK parses every JSON answer a first time just to look for an
	// error envelope, and skips that for octet streams. We decode the
	// envelope ourselves (sdkResponse), so one parse is enough.
	resp.Header.Set("Content-Type", "application/octet-stream")
	return resp, nil
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// pooledBody returns its buffer to bodyPool on the first Close.
type pooledBody struct {
	*bytes.Reader
	buf *bytes.Buffer
}

func (b *pooledBody) Close() error {
	if b.buf != nil {
		b.Reader.Reset(nil)
		bodyPool.Put(b.buf)
		b.buf = nil
	}
	return nil
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
