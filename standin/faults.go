package standin

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// takeFault is the fault that applies to this request (nil: none): one set
// for a page applies to that page only; one set for a number of times
// counts this one.
func (s *Server) takeFault(action string, fault *Fault, p *reqParams) *Fault {
	if fault == nil || fault.Page != 0 && p.page() != fault.Page {
		return nil
	}
	if fault.Times > 0 {
		s.mu.Lock()
		if f := s.faults[action]; f != nil {
			f.Times--
			if f.Times == 0 {
				delete(s.faults, action)
			}
		}
		s.mu.Unlock()
	}
	return fault
}

// before applies the faults that come instead of an answer (or delay it);
// true when it has answered.
func (f *Fault) before(w http.ResponseWriter, r *http.Request, reqID string) bool {
	if f == nil {
		return false
	}
	switch f.Kind {
	case FaultError:
		code, msg := f.Code, f.Message
		if code == "" {
			code = "InternalError"
		}
		if msg == "" {
			msg = "injected fault"
		}
		writeEnvelope(w, reqID, nil, &apiError{Code: code, Message: msg})
	case FaultHTTP:
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><head><title>%d</title></head><body><h1>%d %s</h1><hr>stgw</body></html>", status, status, http.StatusText(status))
	case FaultInvalidJSON:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "<?xml version=\"1.0\"?><Error>not json</Error>")
	case FaultSlow:
		return !sleep(r.Context(), f.Delay)
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	default:
		return false
	}
	return true
}

// after applies the faults that change an answer on its way out.
func (f *Fault) after(resp []byte) []byte {
	switch {
	case f == nil:
	case f.Kind == FaultTruncated:
		resp = resp[:len(resp)/2]
	case f.Kind == FaultOversized:
		if pad := f.Size - len(resp); pad > 0 {
			// Valid JSON: padding whitespace before the closing brace.
			resp = append(append(resp[:len(resp)-1:len(resp)-1], bytes.Repeat([]byte(" "), pad)...), '}')
		}
	}
	return resp
}
