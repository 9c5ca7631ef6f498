package trro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Int is an API integer. The TRRO API sends some integers as JSON strings
// ("1686362610") and any field may be null or missing; Valid is false then.
type Int struct {
	Value int64
	Valid bool
}

// IntOf returns a valid Int holding v.
func IntOf(v int64) Int { return Int{Value: v, Valid: true} }

// UnmarshalJSON accepts a number, a string holding a number, "" and null.
func (i *Int) UnmarshalJSON(b []byte) error {
	*i = Int{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	if v, ok := parseDigits(b); ok {
		*i = IntOf(v)
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		var err error
		if s, err = strconv.Unquote(s); err != nil {
			return fmt.Errorf("invalid quoted number %.32q", b)
		}
		if s == "" {
			return nil
		}
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*i = IntOf(v)
		return nil
	}
	// Some answers carry "12.0"; accept integral floats only.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("invalid integer %.32q", s)
	}
	*i = IntOf(int64(f))
	return nil
}

// parseDigits reads a plain integer, bare or quoted, without allocating:
// the common case, and most of a large answer.
func parseDigits(b []byte) (int64, bool) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// MarshalJSON writes the number, or null when not valid.
func (i Int) MarshalJSON() ([]byte, error) {
	if !i.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, i.Value, 10), nil
}

// Error is the error object of a failed API answer.
type apiErrorBody struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// meta is embedded in every response: the request id and, on failure, the error.
type meta struct {
	Error     *apiErrorBody `json:"Error,omitempty"`
	RequestID string        `json:"RequestId"`
}

func (m *meta) responseMeta() *meta { return m }

type response interface{ responseMeta() *meta }

// ProjectInfo is one item of DescribeProjectList.
type ProjectInfo struct {
	ProjectID          Text `json:"ProjectId"`
	ProjectName        Text `json:"ProjectName"`
	ProjectDescription Text `json:"ProjectDescription"`
	PolicyMode         Text `json:"PolicyMode"`
	ModifyTime         Text `json:"ModifyTime"`
}

// SessionIntervalStatistic is one time bucket of DescribeSessionStatisticsByInterval.
type SessionIntervalStatistic struct {
	ActiveFieldDeviceNum  Int `json:"ActiveFieldDeviceNum"`
	ActiveRemoteDeviceNum Int `json:"ActiveRemoteDeviceNum"`
	SessionNum            Int `json:"SessionNum"`
	TotalDuration         Int `json:"TotalDuration"` // minutes
	StartTime             Int `json:"StartTime"`
	EndTime               Int `json:"EndTime"`
	NotBadSessionRatio    Int `json:"NotBadSessionRatio"` // percent
}

// License is one license group of GetLicenses.
type License struct {
	Count      Int    `json:"Count"`
	Status     Int    `json:"Status"`
	ExpireTime Int    `json:"ExpireTime"`
	Duration   Int    `json:"Duration"`
	RemainDay  Int    `json:"RemainDay"`
	LicenseIDs []Text `json:"LicenseIds"`
}

// The actions the exporter calls.
const (
	ActionDescribeProjectList                 = "DescribeProjectList"
	ActionDescribeSessionStatisticsByInterval = "DescribeSessionStatisticsByInterval"
	ActionGetLicenses                         = "GetLicenses"
	ActionGetDevices                          = "GetDevices"
	ActionDescribeDeviceList                  = "DescribeDeviceList"
	ActionDescribeRecentSessionList           = "DescribeRecentSessionList"
	ActionDescribeDeviceSessionList           = "DescribeDeviceSessionList"
	ActionGetLicenseStat                      = "GetLicenseStat"
	ActionDescribeDeviceSessionDetails        = "DescribeDeviceSessionDetails"
	ActionGetTotalDuration                    = "GetTotalDuration"
)

type describeProjectListResponse struct {
	meta
	Projects list[ProjectInfo] `json:"Projects"`
	Total    Int               `json:"Total"`
	Num      Int               `json:"Num"`
}

type describeSessionStatisticsByIntervalRequest struct {
	ProjectID         string `json:"ProjectId"`
	StatisticInterval string `json:"StatisticInterval"`
	StartTime         int64  `json:"StartTime,omitempty"`
	EndTime           int64  `json:"EndTime,omitempty"`
}

type describeSessionStatisticsByIntervalResponse struct {
	meta
	SessionStatistics list[SessionIntervalStatistic] `json:"SessionStatistics"`
}

type getLicensesResponse struct {
	meta
	Licenses   list[License] `json:"Licenses"`
	TotalCount Int           `json:"TotalCount"`
}

// envelope is the JSON wrapper of every answer. A missing or null Response
// leaves the pointer nil: an invalid answer, not an empty one.
type envelope[T any] struct {
	Response *T `json:"Response"`
}

// decode reads {"Response": {...}} into a T and returns the API error the
// answer carries, if any. T embeds meta.
func decode[T any](action string, body []byte) (*T, *Error) {
	var env envelope[T]
	if err := json.Unmarshal(body, &env); err != nil {
		// The error object alone may still be readable.
		var m envelope[meta]
		if json.Unmarshal(body, &m) == nil && m.Response != nil && m.Response.Error != nil && m.Response.Error.Code != "" {
			return nil, newAPIError(action, m.Response.Error.Code, m.Response.Error.Message, m.Response.RequestID)
		}
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, invalidResponse(action, "body is not a JSON envelope", err)
		}
		return nil, invalidResponse(action, "unexpected Response fields", err)
	}
	if env.Response == nil {
		return nil, invalidResponse(action, "envelope has no Response object", nil)
	}
	m := any(env.Response).(response).responseMeta()
	if m.Error != nil && (m.Error.Code != "" || m.Error.Message != "") {
		return nil, newAPIError(action, m.Error.Code, m.Error.Message, m.RequestID)
	}
	return env.Response, nil
}

// Text is an API string that may also arrive as a JSON number or null; times
// of unstated format (LastReportTime, ModifyTime) come this way.
type Text string

// UnmarshalJSON accepts a string, a number (kept as written) and null.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*t = ""
	case plainString(b):
		// Nearly every string: its bytes are its value. A nested
		// json.Unmarshal per field made decoding a device page 1.4 × slower.
		*t = Text(b[1 : len(b)-1])
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
	case (b[0] >= '0' && b[0] <= '9') || b[0] == '-':
		*t = Text(b)
	default:
		return fmt.Errorf("invalid text value %.32q", b)
	}
	return nil
}

// plainString reports whether b is a quoted JSON string whose value is its
// bytes as they stand: no escape, no control character, valid UTF-8.
func plainString(b []byte) bool {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return false
	}
	in := b[1 : len(b)-1]
	for _, c := range in {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(in)
}

// cst is China Standard Time, the zone of the API's local-time strings.
var cst = time.FixedZone("CST", 8*3600)

// ParseTime reads the time forms the API is seen to send: Unix seconds (or
// milliseconds), "2006-01-02 15:04:05" in China Standard Time, and RFC 3339.
// ok is false for an empty or unparseable value.
func ParseTime(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return time.Time{}, false
		}
		if n > 1e11 { // milliseconds
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	t, err := time.ParseInLocation(time.DateTime, s, cst)
	if err != nil {
		t, err = time.Parse(time.RFC3339, s)
	}
	// Year 0 and the like parse, but are no report time.
	if err != nil || t.Unix() <= 0 {
		return time.Time{}, false
	}
	return t, true
}

// DeviceLicense is one item of GetDevices: a device's license binding.
type DeviceLicense struct {
	DeviceID          Text   `json:"DeviceId"`
	DeviceName        Text   `json:"DeviceName"`
	LicenseCount      Int    `json:"LicenseCount"`
	RemainDay         Int    `json:"RemainDay"`
	ExpireTime        Int    `json:"ExpireTime"`
	Duration          Int    `json:"Duration"`
	LicenseIDs        []Text `json:"LicenseIds"`
	MonthlyRemainTime Int    `json:"MonthlyRemainTime"` // minutes (documented without a unit)
	LimitedTime       Int    `json:"LimitedTime"`       // minutes
}

// DeviceInfo is one item of DescribeDeviceList: a device and its status.
type DeviceInfo struct {
	DeviceID       Text `json:"DeviceId"`
	DeviceName     Text `json:"DeviceName"`
	DeviceStatus   Text `json:"DeviceStatus"` // offline, ready, connected
	DeviceType     Text `json:"DeviceType"`   // field, remote
	ModifyTime     Text `json:"ModifyTime"`
	LastReportTime Text `json:"LastReportTime"`
	ProjectID      Text `json:"ProjectId"`
}

// RecentSession is one item of DescribeRecentSessionList.
type RecentSession struct {
	SessionID        Text `json:"SessionId"`
	RemoteDeviceID   Text `json:"RemoteDeviceId"`
	FieldDeviceID    Text `json:"FieldDeviceId"`
	Resolution       Text `json:"Resolution"`
	StartTime        Int  `json:"StartTime"`
	LatestUpdateTime Int  `json:"LatestUpdateTime"`
}

// DeviceSession is one item of DescribeDeviceSessionList.
type DeviceSession struct {
	SessionID      Text `json:"SessionId"`
	RemoteDeviceID Text `json:"RemoteDeviceId"`
	FieldDeviceID  Text `json:"FieldDeviceId"`
	Resolution     Text `json:"Resolution"`
	StartTime      Int  `json:"StartTime"`
	EndTime        Int  `json:"EndTime"`
	Quality        Text `json:"Quality"` // good, normal, bad
}

// LicenseStat is the answer of GetLicenseStat.
type LicenseStat struct {
	Valid, Bound, UnBound, Expire, MonthlyExpire Int
}

type getDevicesResponse struct {
	meta
	Devices    list[DeviceLicense] `json:"Devices"`
	TotalCount Int                 `json:"TotalCount"`
}

type describeDeviceListResponse struct {
	meta
	Devices list[DeviceInfo] `json:"Devices"`
	Total   Int              `json:"Total"`
}

type describeRecentSessionListResponse struct {
	meta
	RecentSessionList list[RecentSession] `json:"RecentSessionList"`
	Total             Int                 `json:"Total"`
}

type describeDeviceSessionListResponse struct {
	meta
	DeviceSessionList list[DeviceSession] `json:"DeviceSessionList"`
	Total             Int                 `json:"Total"`
}

type getLicenseStatResponse struct {
	meta
	LicenseStat
}

// TotalDuration is the answer of GetTotalDuration: minutes of use by tier,
// what the account is billed on.
type TotalDuration struct {
	Voice, SD, HD, FHD, TwoK, FourK, Online           Count
	MultiSD, MultiHD, MultiFHD, MultiTwoK, MultiFourK Count
	MultiOnline                                       Count
	DeductDuration                                    Count
}

// Count is an integer of an answer where one bad value must not cost the
// others: a value that is no integer (1.5, "NaN", 1e18 as a float) is kept
// as Bad, not an error.
type Count struct {
	Int
	Bad bool
}

// UnmarshalJSON reads an Int; what is none is Bad.
func (c *Count) UnmarshalJSON(b []byte) error {
	if err := c.Int.UnmarshalJSON(b); err != nil {
		*c = Count{Bad: true}
	}
	return nil
}

type getTotalDurationRequest struct {
	ProjectID string `json:"ProjectId"`
	StartTime int64  `json:"StartTime"`
	EndTime   int64  `json:"EndTime"`
}

type getTotalDurationResponse struct {
	meta
	TotalDuration
}
