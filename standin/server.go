// Package standin is a stand-in for the TRRO cloud API: it checks
// TC3-HMAC-SHA256 signatures, answers every read action with the real JSON
// envelope and error codes, paginates, accepts numbers sent as strings, and
// injects faults on demand. Tests, benchmarks and --demo run against it.
package standin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version is the API version the stand-in serves.
const Version = "2022-03-25"

// FaultKind says what a Fault does.
type FaultKind int

// Fault kinds.
const (
	// FaultError answers with an error envelope (HTTP 200) carrying Code.
	FaultError FaultKind = iota
	// FaultHTTP answers with Status (default 502) and an HTML body.
	FaultHTTP
	// FaultInvalidJSON answers with a body that is not JSON.
	FaultInvalidJSON
	// FaultTruncated answers with the real body cut in half.
	FaultTruncated
	// FaultNulls answers with every number in list items set to null.
	FaultNulls
	// FaultSlow waits Delay (or until the client gives up) before answering.
	FaultSlow
	// FaultReset closes the connection without an answer.
	FaultReset
	// FaultOversized answers with a valid body padded to Size bytes.
	FaultOversized
	// FaultTotal adds Delta to the reported total of a list.
	FaultTotal
	// FaultTotalRaw reports Raw (JSON: "-1", "0", "null") as a list's total.
	FaultTotalRaw
	// FaultFields sets fields of the answer to raw JSON values (Fields).
	FaultFields
)

// Fault is an injected failure for one action.
type Fault struct {
	Kind    FaultKind
	Code    string            // FaultError; default InternalError
	Message string            // FaultError
	Status  int               // FaultHTTP
	Delay   time.Duration     // FaultSlow
	Size    int               // FaultOversized
	Delta   int               // FaultTotal
	Raw     string            // FaultTotalRaw
	Fields  map[string]string // FaultFields: field name → raw JSON
	// Page limits the fault to that page of a list (0: every call).
	Page int
	// Times limits how often the fault fires (0: always).
	Times int
}

// Credential is a key pair the stand-in accepts.
type Credential struct {
	SecretID, SecretKey, Token string
}

// Server is the stand-in TRRO API. Set fields before serving.
type Server struct {
	// Credentials the server accepts; requests signed otherwise fail.
	Credentials []Credential
	// Latency is added to every answer, respecting the caller's cancel.
	Latency time.Duration
	// MaxPageSize caps PageSize (default 100).
	MaxPageSize int
	// StringNumbers sends every integer as a JSON string.
	StringNumbers bool
	// RejectRegisterType answers DescribeDeviceList's RegisterType with
	// InvalidParameterValue, as an API older than SDK v1.3.39 would.
	RejectRegisterType bool
	// Now is the clock of the data: buckets, session windows (default
	// time.Now).
	Now func() time.Time
	// DetailsKept, when above 0, is how long after a session ended the
	// stand-in keeps its per-second details: older ones answer
	// ResourceNotFound, as an API with a retention would (the API documents
	// none).
	DetailsKept time.Duration
	// AuthNow is the clock signatures are checked against (default
	// time.Now); tests move it to make signatures expire.
	AuthNow func() time.Time

	mu        sync.Mutex
	onRequest func(ctx context.Context, action string)
	details   func(sessionID string, start, end int64) ([]any, bool)
	fleetAt   func(time.Time) *Fleet
	fleet     *Fleet
	faults    map[string]*Fault
	calls     map[string][]time.Time
	minCalls  map[string]int
	inFlight  int
	peak      int
}

// NewServer returns a stand-in serving fleet to holders of creds.
func NewServer(fleet *Fleet, creds ...Credential) *Server {
	return &Server{Credentials: creds, fleet: fleet, faults: map[string]*Fault{}, calls: map[string][]time.Time{}, minCalls: map[string]int{}}
}

// Follow serves sim as it stands at the server's clock, instead of a fixed
// fleet.
func (s *Server) Follow(sim *Simulation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fleetAt = sim.At
}

// SetFleet replaces the data served.
func (s *Server) SetFleet(f *Fleet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fleet = f
}

// OnRequest sets a function called for every later API request once it is
// counted, before it is answered (nil: none). Tests block in it to hold
// requests in flight for as long as they need, whatever the machine's speed.
func (s *Server) OnRequest(f func(ctx context.Context, action string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRequest = f
}

// SetDetails makes DescribeDeviceSessionDetails answer what f returns for
// a session and the asked range, where f says ok (nil: the generated
// series). Tests serve known points, odd windows and bad values with it.
func (s *Server) SetDetails(f func(sessionID string, start, end int64) (details []any, ok bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.details = f
}

func (s *Server) detailsFunc() func(string, int64, int64) ([]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.details
}

// SetFault injects f into every later call of action; nil clears it.
func (s *Server) SetFault(action string, f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		delete(s.faults, action)
		return
	}
	c := *f
	s.faults[action] = &c
}

// Calls returns how many requests for action arrived (all actions for "").
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if action != "" {
		return len(s.calls[action])
	}
	n := 0
	for _, c := range s.calls {
		n += len(c)
	}
	return n
}

// CallTimes returns when each request for action arrived.
func (s *Server) CallTimes(action string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.calls[action]...)
}

// InFlight returns the requests being served now.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// PeakInFlight returns the most requests ever served at once.
func (s *Server) PeakInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// ResetStats forgets calls made so far.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string][]time.Time{}
	s.minCalls = map[string]int{}
	s.peak = 0
}

// MinCalls returns, per action, the fewest calls that could have fetched
// what was asked since the last reset: one per call of a non-list action,
// and ⌈total ÷ page size cap⌉ (at least 1) for each list read from page 1.
func (s *Server) MinCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.minCalls))
	for k, v := range s.minCalls {
		out[k] = v
	}
	return out
}

// Stats is the JSON of GET /stats: calls made and the minimum needed.
type Stats struct {
	Calls    map[string]int `json:"calls"`
	MinCalls map[string]int `json:"min_calls"`
}

func (s *Server) stats() Stats {
	st := Stats{Calls: map[string]int{}, MinCalls: s.MinCalls()}
	s.mu.Lock()
	for k, v := range s.calls {
		st.Calls[k] = len(v)
	}
	s.mu.Unlock()
	return st
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// apiError is an error envelope to send.
type apiError struct{ Code, Message string }

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(code, format string, a ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, a...)}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func envelopeBytes(reqID string, data []byte) []byte {
	// data is a JSON object; add RequestId to it.
	id, _ := json.Marshal(reqID)
	var b bytes.Buffer
	b.WriteString(`{"Response":`)
	if len(data) > 2 {
		b.Write(data[:len(data)-1])
		b.WriteString(`,"RequestId":`)
	} else {
		b.WriteString(`{"RequestId":`)
	}
	b.Write(id)
	b.WriteString("}}")
	return b.Bytes()
}

func writeEnvelope(w http.ResponseWriter, reqID string, data []byte, aerr *apiError) {
	w.Header().Set("Content-Type", "application/json")
	if aerr != nil {
		e, _ := json.Marshal(map[string]any{"Error": map[string]string{"Code": aerr.Code, "Message": aerr.Message}})
		w.Write(envelopeBytes(reqID, e))
		return
	}
	w.Write(envelopeBytes(reqID, data))
}

// transform rewrites an answer: integers as strings, and/or every number
// inside list items as null.
func transform(data []byte, strs, nulls bool) []byte {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return data
	}
	var walk func(v any, inList bool) any
	walk = func(v any, inList bool) any {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				t[k] = walk(x, inList)
			}
		case []any:
			for i, x := range t {
				t[i] = walk(x, true)
			}
			if nulls && inList && len(t) > 0 {
				if _, isStr := t[0].(string); isStr {
					return nil
				}
			}
		case json.Number:
			if nulls && inList {
				return nil
			}
			if strs {
				return string(t)
			}
		case string:
			if nulls && inList {
				if _, err := strconv.ParseInt(t, 10, 64); err == nil {
					return nil
				}
			}
		}
		return v
	}
	out, err := json.Marshal(walk(v, false))
	if err != nil {
		return data
	}
	return out
}

// reqParams reads request parameters the lenient way the API does:
// integers may arrive as numbers or strings.
type reqParams struct{ raw map[string]json.RawMessage }

func (p *reqParams) str(name string) (string, bool) {
	raw, ok := p.raw[name]
	if !ok || string(raw) == "null" {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return strings.TrimSpace(string(raw)), true
}

func (p *reqParams) int(name string) (int64, bool, *apiError) {
	s, ok := p.str(name)
	if !ok {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, errf("InvalidParameterValue", "The value of parameter `%s` is not an integer.", name)
	}
	return v, true, nil
}

func (p *reqParams) page() int {
	for _, n := range []string{"PageNum", "PageNumber"} {
		if v, ok, _ := p.int(n); ok {
			return int(v)
		}
	}
	return 1
}

func (s *Server) countMinimum(action string, p *reqParams, out any) {
	m, _ := out.(map[string]any)
	total, isList := m["Total"].(int)
	if t, ok := m["TotalCount"].(int); ok {
		total, isList = t, true
	}
	n := 1
	if isList {
		if p.page() != 1 {
			return
		}
		size := s.MaxPageSize
		if size <= 0 {
			size = 100
		}
		n = max(1, (total+size-1)/size)
	}
	s.mu.Lock()
	s.minCalls[action] += n
	s.mu.Unlock()
}
