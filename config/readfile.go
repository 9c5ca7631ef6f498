package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Size caps of the files the exporter reads.
const (
	maxConfigBytes = 1 << 20
	maxKeyBytes    = 64 << 10
	// readTimeout bounds one file read: a file on a hung network mount
	// must not block start-up or a reload for ever.
	readTimeout = 5 * time.Second
)

// readFile reads a regular file of at most max bytes, within readTimeout.
// Anything else (a FIFO, a device such as /dev/zero, a directory) is
// refused: a FIFO would block, a device could be endless.
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscallNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s): write it to a file first", path, kind(st.Mode()))
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d allowed", path, st.Size(), max)
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(f, max+1))
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		if r.err == nil && int64(len(r.b)) > max {
			return nil, fmt.Errorf("%s grew past the %d bytes allowed while it was read", path, max)
		}
		return r.b, r.err
	case <-time.After(readTimeout):
		return nil, fmt.Errorf("%s: reading it took longer than %s", path, readTimeout)
	}
}

func kind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeDevice != 0 || m&os.ModeCharDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

var errEmptyKey = errors.New("is empty")
