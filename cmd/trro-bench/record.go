package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// recorder saves the bodies of the answers to files while on, so that the
// floor can decode them later without the measured process holding them.
type recorder struct {
	base  http.RoundTripper
	dir   string
	on    atomic.Bool
	mu    sync.Mutex
	files map[string][]string // action → body files
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || !r.on.Load() {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	action := req.Header.Get("X-TC-Action")
	r.mu.Lock()
	defer r.mu.Unlock()
	name := filepath.Join(r.dir, fmt.Sprintf("%s-%d.json", action, len(r.files[action])))
	if err := os.WriteFile(name, body, 0o600); err != nil {
		return nil, err
	}
	r.files[action] = append(r.files[action], name)
	return resp, nil
}

// pageWriter is the ResponseWriter of a scrape: it keeps the status, counts
// the bytes and passes them to w (the warm-up's file, or nothing).
type pageWriter struct {
	h      http.Header
	status int
	n      int64
	w      io.Writer
}

func (p *pageWriter) Header() http.Header { return p.h }
func (p *pageWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *pageWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	p.n += int64(len(b))
	if p.w != nil {
		return p.w.Write(b)
	}
	return len(b), nil
}

// bodies reads the recorded answers back, by action.
func (r *recorder) bodies() (map[string][][]byte, error) {
	out := map[string][][]byte{}
	for action, files := range r.files {
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			out[action] = append(out[action], b)
		}
	}
	return out, nil
}
