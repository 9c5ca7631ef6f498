package trro

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Num is an API number that may be a float (packet loss, CPU use), sent as
// a JSON number, a string holding one, or null (Valid false). Strings that
// hold no number are invalid points too, not failed answers: one bad point
// must not cost the rest of a session's series.
type Num struct {
	Value float64
	Valid bool
}

// UnmarshalJSON accepts a number, a string holding a number, "" and null;
// anything else but an object or array is an invalid point.
func (n *Num) UnmarshalJSON(b []byte) error {
	*n = Num{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '{', '[':
		return fmt.Errorf("invalid number %.32q", b)
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil // null, true, "n/a", NaN: no value
	}
	*n = Num{Value: v, Valid: true}
	return nil
}

// SessionDeviceDetail is one device's per-second series in a session
// (DescribeDeviceSessionDetails). Point i is at StartTime + TimeOffset[i];
// every array may be null, shorter than TimeOffset, or hold nulls.
type SessionDeviceDetail struct {
	DeviceType Text  `json:"DeviceType"` // field, remote
	DeviceID   Text  `json:"DeviceId"`
	ProjectID  Text  `json:"ProjectId"`
	SessionID  Text  `json:"SessionId"`
	StartTime  Int   `json:"StartTime"`
	EndTime    Int   `json:"EndTime"`
	TimeOffset []Num `json:"TimeOffset"` // seconds

	VideoLatency   []Num `json:"VideoLatency"`   // ms
	NetworkLatency []Num `json:"NetworkLatency"` // ms
	ControlLatency []Num `json:"ControlLatency"` // ms, field ↔ remote message round trip
	Lost           []Num `json:"Lost"`           // packet loss, %
	Fps            []Num `json:"Fps"`
	Rate           []Num `json:"Rate"` // kbps
	CPUUsed        []Num `json:"CpuUsed"`
	MemUsed        []Num `json:"MemUsed"` // %
	Lag100Duration []Num `json:"Lag100Duration"`
	Lag150Duration []Num `json:"Lag150Duration"`

	// Time each stage of the video pipeline took, ms.
	CaptureCost []Num `json:"CaptureCost"`
	EncodeCost  []Num `json:"EncodeCost"`
	DecodeCost  []Num `json:"DecodeCost"`
	RenderCost  []Num `json:"RenderCost"`
	RenderConst []Num `json:"RenderConst"` // RenderCost's deprecated spelling
	// Mean and longest interval between frames in the point's second
	// (unit not stated; read as ms).
	FrameDelta    []Num `json:"FrameDelta"`
	MaxFrameDelta []Num `json:"MaxFrameDelta"`
	NACK          []Num `json:"NACK"` // retransmission requests
	// Estimated available bandwidth, kbps: of the video stream, and of
	// every link together.
	BitRateEstimate      []Num `json:"BitRateEstimate"`
	TotalBitrateEstimate []Num `json:"TotalBitrateEstimate"`

	// Sent and configured video size, pixels: sent below configured means
	// the stream fell back to a lower resolution.
	Width        Int  `json:"Width"`
	Height       Int  `json:"Height"`
	ConfigWidth  Int  `json:"ConfigWidth"`
	ConfigHeight Int  `json:"ConfigHeight"`
	Ver          Text `json:"Ver"`     // device SDK version
	SdkMode      Text `json:"SdkMode"` // p2p, server

	MultiMode Int        `json:"MultiMode"` // 0 single network, 1 multi-network
	MultiNet  []MultiNet `json:"MultiNet"`
}

// RenderCosts are the render stage's points under either spelling.
func (d *SessionDeviceDetail) RenderCosts() []Num {
	if d.RenderCost != nil {
		return d.RenderCost
	}
	return d.RenderConst
}

// MultiNet is one network link of a multi-network device.
type MultiNet struct {
	NetID   Int   `json:"NetId"`
	NetIP   Text  `json:"NetIp"`
	Rtt     []Num `json:"Rtt"`     // ms
	Lost    []Num `json:"Lost"`    // %
	SendBps []Num `json:"SendBps"` // kbps
	RecvBps []Num `json:"RecvBps"` // kbps
}

type describeDeviceSessionDetailsRequest struct {
	SessionID string `json:"SessionId"`
	StartTime int64  `json:"StartTime"`
	EndTime   int64  `json:"EndTime"`
}

type describeDeviceSessionDetailsResponse struct {
	meta
	Details list[SessionDeviceDetail] `json:"Details"`
}

// DescribeDeviceSessionDetails returns the per-second series of a
// session's devices for points within [start, end] (Unix seconds); the API
// may return points outside it.
func (c *Client) DescribeDeviceSessionDetails(ctx context.Context, sessionID string, start, end int64) ([]SessionDeviceDetail, error) {
	out, err := call[describeDeviceSessionDetailsResponse](ctx, c, ActionDescribeDeviceSessionDetails,
		describeDeviceSessionDetailsRequest{SessionID: sessionID, StartTime: start, EndTime: end})
	if err != nil {
		return nil, err
	}
	return out.Details, nil
}
