package backfill

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
)

// cache keeps every API answer the run fetched on disk, under the work
// directory: a re-run with --resume replays the steps already done from
// it, making no call twice, and writes the same samples again (the output
// is rebuilt from scratch, so nothing is duplicated).
type cache struct{ dir string }

// load reads key's answer into v; false when it was never stored.
func (c *cache) load(key string, v any) bool {
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		return false
	}
	return gob.NewDecoder(bytes.NewReader(b)).Decode(v) == nil
}

// store writes v as key's answer, atomically (a crash leaves the old file
// or none).
func (c *cache) store(key string, v any) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	p := c.path(key)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

func (c *cache) path(key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(h[:12])+".gob")
}

// memo fetches each key once while it is kept: concurrent callers of a key
// wait for the first; a failed fetch is forgotten, to be tried again.
type memo[T any] struct {
	mu sync.Mutex
	m  map[string]*memoEntry[T]
}

type memoEntry[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func (m *memo[T]) get(key string, fetch func() (T, error)) (T, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[string]*memoEntry[T]{}
	}
	e, ok := m.m[key]
	if !ok {
		e = &memoEntry[T]{done: make(chan struct{})}
		m.m[key] = e
		m.mu.Unlock()
		e.v, e.err = fetch()
		close(e.done)
		if e.err != nil {
			m.mu.Lock()
			delete(m.m, key)
			m.mu.Unlock()
		}
		return e.v, e.err
	}
	m.mu.Unlock()
	<-e.done
	return e.v, e.err
}

// evict forgets the keys drop says are no longer needed.
func (m *memo[T]) evict(drop func(key string) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.m {
		select {
		case <-e.done:
			if drop(k) {
				delete(m.m, k)
			}
		default: // still being fetched
		}
	}
}

// len is the entries held.
func (m *memo[T]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
