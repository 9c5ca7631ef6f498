package trro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
)

// Client-side error codes, used where the API gave no code of its own. They
// are the only values besides "OK" and API codes that the code label takes.
const (
	CodeOK               = "OK"
	CodeNetworkError     = "NetworkError"
	CodeTimeout          = "Timeout"
	CodeCanceled         = "Canceled"
	CodeHTTPError        = "HTTPError"
	CodeInvalidResponse  = "InvalidResponse"
	CodeResponseTooLarge = "ResponseTooLarge"
	CodeClientError      = "ClientError"
)

// Error is a failed API call: an error code from the API or one of the
// client-side codes above, with the request id when the API sent one.
type Error struct {
	Action    string
	Code      string
	Message   string
	RequestID string
	// HTTPStatus is set for CodeHTTPError.
	HTTPStatus int
	cause      error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Action, e.Code)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (RequestId %s)", e.RequestID)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.cause }

// CredentialsRejected reports whether the API refused the key itself
// (AuthFailure.*): the one test of "credentials rejected" behind trro_up,
// readiness and --config.check.
func (e *Error) CredentialsRejected() bool { return strings.HasPrefix(e.Code, "AuthFailure") }

// Denied reports whether the API took the key but its policy does not
// allow the action (UnauthorizedOperation.*).
func (e *Error) Denied() bool { return strings.HasPrefix(e.Code, "UnauthorizedOperation") }

// Answered reports whether the API itself produced this error, i.e. the
// request reached it and came back as a well-formed envelope.
func (e *Error) Answered() bool {
	switch e.Code {
	case CodeNetworkError, CodeTimeout, CodeCanceled, CodeHTTPError,
		CodeInvalidResponse, CodeResponseTooLarge, CodeClientError:
		return false
	}
	return true
}

func (e *Error) retryable() bool {
	switch {
	case strings.HasPrefix(e.Code, "RequestLimitExceeded"),
		strings.HasPrefix(e.Code, "InternalError"),
		strings.HasPrefix(e.Code, "ServiceUnavailable"),
		e.Code == CodeNetworkError, e.Code == CodeTimeout:
		return true
	case e.Code == CodeHTTPError:
		return e.HTTPStatus == 429 || e.HTTPStatus >= 500
	}
	return false
}

// Flatten lists the errors a joined error holds (errors.Join, one per
// failed project or page), itself otherwise.
func Flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		if e != nil {
			out = append(out, Flatten(e)...)
		}
	}
	return out
}

// AsError returns err as an *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// validCode bounds what an upstream may put into the code label.
var validCode = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$`)

func newAPIError(action, code, message, requestID string) *Error {
	if len(code) > 80 || !validCode.MatchString(code) {
		return invalidResponse(action, fmt.Sprintf("malformed error code %.40q", code), nil)
	}
	return &Error{Action: action, Code: code, Message: clip(message, 200), RequestID: clip(requestID, 64)}
}

func invalidResponse(action, msg string, cause error) *Error {
	if cause != nil {
		msg += ": " + clip(cause.Error(), 200)
	}
	return &Error{Action: action, Code: CodeInvalidResponse, Message: msg, cause: cause}
}

// HTTPStatusError is returned by the transport for a non-200 answer. The
// body (often an HTML error page) is dropped on purpose.
type HTTPStatusError struct{ StatusCode int }

func (e *HTTPStatusError) Error() string { return fmt.Sprintf("HTTP status %d", e.StatusCode) }

// TooLargeError is returned by the transport for a body over the cap.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("response body larger than %d bytes", e.Limit)
}

// classify turns whatever the SDK returned into an *Error. attemptCtx is the
// context of this attempt, parent the caller's: it tells our own request
// timeout from the caller giving up.
func classify(action string, err error, parent, attemptCtx context.Context) *Error {
	if e, ok := AsError(err); ok {
		return e
	}
	var status *HTTPStatusError
	var tooLarge *TooLargeError
	switch {
	case parent.Err() != nil:
		if errors.Is(parent.Err(), context.DeadlineExceeded) {
			return &Error{Action: action, Code: CodeTimeout, Message: "scrape deadline exceeded", cause: err}
		}
		return &Error{Action: action, Code: CodeCanceled, Message: "scrape canceled", cause: err}
	case attemptCtx.Err() != nil:
		return &Error{Action: action, Code: CodeTimeout, Message: "request timeout exceeded", cause: err}
	case errors.As(err, &status):
		return &Error{Action: action, Code: CodeHTTPError, HTTPStatus: status.StatusCode, Message: status.Error(), cause: err}
	case errors.As(err, &tooLarge):
		return &Error{Action: action, Code: CodeResponseTooLarge, Message: tooLarge.Error(), cause: err}
	}
	var sdkErr interface {
		GetCode() string
		GetMessage() string
		GetRequestId() string
	}
	if errors.As(err, &sdkErr) {
		code := sdkErr.GetCode()
		switch {
		case code == "ClientError.NetworkError":
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return &Error{Action: action, Code: CodeTimeout, Message: "network timeout", cause: err}
			}
			return &Error{Action: action, Code: CodeNetworkError, Message: networkMessage(err), cause: err}
		case code == "ClientError.ParseJsonError", code == "ClientError.IOError":
			// The SDK's message embeds the whole body; keep it out of logs.
			return invalidResponse(action, "body is not valid JSON", nil)
		case strings.HasPrefix(code, "ClientError"):
			return &Error{Action: action, Code: CodeClientError, Message: clip(sdkErr.GetMessage(), 200), cause: err}
		default:
			return newAPIError(action, code, sdkErr.GetMessage(), sdkErr.GetRequestId())
		}
	}
	return &Error{Action: action, Code: CodeClientError, Message: clip(err.Error(), 200), cause: err}
}

// networkMessage names the failing operation without echoing request data.
func networkMessage(err error) string {
	var op *net.OpError
	switch {
	case errors.As(err, &op):
		return clip(op.Error(), 200)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the server"
	}
	return "connection failed"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
