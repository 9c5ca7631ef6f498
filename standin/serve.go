package standin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// request is what ServeHTTP learned of one API request before answering it.
type request struct {
	id, action string
	fleet      *Fleet
	fault      *Fault
	p          *reqParams
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveStats(w, r) {
		return
	}
	req, onRequest := s.begin(r.Header.Get("X-TC-Action"))
	defer s.end()
	if onRequest != nil {
		onRequest(r.Context(), req.action)
	}
	if s.Latency > 0 && !sleep(r.Context(), s.Latency) {
		return
	}
	p, aerr, ok := s.read(r)
	if !ok {
		return
	}
	if aerr != nil {
		writeEnvelope(w, req.id, nil, aerr)
		return
	}
	req.p = p
	req.fault = s.takeFault(req.action, req.fault, p)
	if req.fault.before(w, r, req.id) {
		return
	}
	resp, aerr := s.answer(r, req)
	if aerr != nil {
		writeEnvelope(w, req.id, nil, aerr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(req.fault.after(resp))
}

// serveStats serves the unsigned bookkeeping for benchmarks, beside the
// API's POST /; false when r is for the API.
func (s *Server) serveStats(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/stats":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.stats())
	case r.Method == http.MethodPost && r.URL.Path == "/stats/reset":
		s.ResetStats()
	default:
		return false
	}
	return true
}

// begin counts a request for action and takes what it is answered from:
// the fleet as it stands now, the fault set for action, and the function
// told of every request.
func (s *Server) begin(action string) (*request, func(context.Context, string)) {
	req := &request{action: action, id: fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
		rand.Uint32(), rand.Uint32()&0xffff, rand.Uint32()&0xffff, rand.Uint32()&0xffff, rand.Uint64()&0xffffffffffff)}
	s.mu.Lock()
	s.calls[action] = append(s.calls[action], time.Now())
	s.inFlight++
	s.peak = max(s.peak, s.inFlight)
	req.fault, req.fleet = s.faults[action], s.fleet
	fleetAt, onRequest := s.fleetAt, s.onRequest
	s.mu.Unlock()
	if fleetAt != nil {
		req.fleet = fleetAt(s.now())
	}
	return req, onRequest
}

func (s *Server) end() {
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
}

// read checks the method and the signature and decodes the parameters;
// false when the body could not be read (nothing to answer).
func (s *Server) read(r *http.Request) (*reqParams, *apiError, bool) {
	if r.Method != http.MethodPost {
		return nil, errf("UnsupportedProtocol", "only POST is supported by this stand-in"), true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, nil, false
	}
	if aerr := s.authenticate(r, body); aerr != nil {
		return nil, aerr, true
	}
	params := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &params); err != nil {
			return nil, errf("InvalidParameter", "the request body is not a JSON object"), true
		}
	}
	return &reqParams{raw: params}, nil, true
}

// answer runs the action and encodes its answer in the envelope.
func (s *Server) answer(r *http.Request, req *request) ([]byte, *apiError) {
	if r.Header.Get("X-TC-Region") == "" && req.action != "GetLicenses" && req.action != "GetLicenseStat" {
		return nil, errf("MissingParameter", "The request is missing a required parameter `Region`.")
	}
	h, ok := actions[req.action]
	if !ok {
		return nil, errf("InvalidAction", "The action %q does not exist or is not supported.", req.action)
	}
	out, aerr := h(&actionContext{srv: s, fleet: req.fleet, p: req.p, now: s.now(), fault: req.fault})
	if aerr != nil {
		return nil, aerr
	}
	s.countMinimum(req.action, req.p, out)
	if m, ok := out.(map[string]any); ok && req.fault != nil && req.fault.Kind == FaultFields {
		for k, v := range req.fault.Fields {
			m[k] = json.RawMessage(v)
		}
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, errf("InternalError", "encode: %v", err)
	}
	nulls := req.fault != nil && req.fault.Kind == FaultNulls
	if s.StringNumbers || nulls {
		data = transform(data, s.StringNumbers, nulls)
	}
	return envelopeBytes(req.id, data), nil
}
