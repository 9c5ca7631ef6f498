package standin

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Listen serves s on addr (e.g. "127.0.0.1:0") until ctx ends and returns
// the base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) Listen(ctx context.Context, addr string) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			l.Close()
		}
	}()
	return "http://" + l.Addr().String(), nil
}
