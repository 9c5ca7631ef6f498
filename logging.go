package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/promslog"
)

// newLogger builds the one logger of the process from the log flags
// (promslog, in the go-kit style of ts, caller, level and msg): the slog
// side for the libraries that want it (exporter-toolkit, promhttp), and a
// go-kit logger over the same handler for our own code.
func newLogger(w io.Writer, cfg *promslog.Config) (log.Logger, *slog.Logger) {
	c := *cfg
	c.Writer, c.Style = w, promslog.GoKitStyle
	s := promslog.New(&c)
	return slogLogger{s.Handler()}, s
}

// slogLogger is a go-kit logger that writes through a slog handler: the
// level and msg keys become the record's, the other pairs its attributes,
// and the handler's level is the one filter.
type slogLogger struct{ h slog.Handler }

// callerDepth skips runtime.Callers, Log and go-kit's context, which every
// call through level.X or log.With goes through.
const callerDepth = 3

func (l slogLogger) Log(keyvals ...any) error {
	// The level first: a line the handler drops is not built at all.
	lvl := slog.LevelInfo
	for i := 0; i+1 < len(keyvals); i += 2 {
		if v, ok := keyvals[i+1].(level.Value); ok && keyvals[i] == level.Key() {
			lvl = slogLevel(v)
		}
	}
	ctx := context.Background()
	if !l.h.Enabled(ctx, lvl) {
		return nil
	}
	var pcs [1]uintptr
	runtime.Callers(callerDepth, pcs[:])
	r := slog.NewRecord(time.Now(), lvl, "", pcs[0])
	for i := 0; i < len(keyvals); i += 2 {
		var v any = log.ErrMissingValue
		if i+1 < len(keyvals) {
			v = keyvals[i+1]
		}
		switch k := fmt.Sprint(keyvals[i]); {
		case k == "msg":
			r.Message = fmt.Sprint(v)
		case keyvals[i] == level.Key() && isLevel(v):
		default:
			r.AddAttrs(slog.Any(k, v))
		}
	}
	return l.h.Handle(ctx, r)
}

func isLevel(v any) bool {
	_, ok := v.(level.Value)
	return ok
}

func slogLevel(v level.Value) slog.Level {
	switch v {
	case level.DebugValue():
		return slog.LevelDebug
	case level.WarnValue():
		return slog.LevelWarn
	case level.ErrorValue():
		return slog.LevelError
	}
	return slog.LevelInfo
}
