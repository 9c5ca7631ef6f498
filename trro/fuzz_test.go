package trro

import (
	"strings"
	"testing"
)

// Documented answers (trro-api.md) and the faults the stand-in injects.
var envelopeSeeds = []string{
	`{"Response":{"Licenses":[{"Count":2,"Status":0,"ExpireTime":"1686362610","Duration":"86400","RemainDay":82,"LicenseIds":["a","b"]},{"Count":2,"Status":0,"ExpireTime":"1689386610","Duration":"186400","RemainDay":117,"LicenseIds":["a","b"]}],"TotalCount":3,"RequestId":"r"}}`,
	`{"Response":{"SessionStatistics":[{"ActiveFieldDeviceNum":1,"ActiveRemoteDeviceNum":0,"SessionNum":1,"TotalDuration":20,"StartTime":1661151600,"EndTime":1661152600,"NotBadSessionRatio":50}],"RequestId":"r"}}`,
	`{"Response":{"DeviceSessionList":[{"SessionId":"s","RemoteDeviceId":"dev2","FieldDeviceId":"dev2","Resolution":"1920*1080","StartTime":1650000000,"EndTime":1650000060,"Quality":"good"}],"Total":1,"Num":1,"RequestId":"r"}}`,
	`{"Response":{"Projects":[{"ProjectId":"p","ProjectName":"露天矿","ProjectDescription":"","PolicyMode":"black","ModifyTime":"2022-08-22T12:00:00+08:00"}],"Total":1,"Num":1,"RequestId":"r"}}`,
	`{"Response":{"Devices":[{"DeviceId":"d","DeviceStatus":"offline","DeviceType":"field","LastReportTime":"2022-08-22 12:00:00","ProjectId":"p"}],"Total":"1","Num":null,"RequestId":"r"}}`,
	`{"Response":{"Valid":1,"Bound":"1","UnBound":null,"Expire":0,"MonthlyExpire":0,"RequestId":"r"}}`,
	`{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"x"},"RequestId":"r"}}`,
	`{"Response":null}`, `{"Response":{"Licenses":null,"TotalCount":null}}`, `<html>502</html>`, `{"Response":{"Lic`, ``,
}

// decoders decode a body as each answer the client reads.
var decoders = []func([]byte) *Error{
	func(b []byte) *Error { _, e := decode[getLicensesResponse]("Fuzz", b); return e },
	func(b []byte) *Error {
		_, e := decode[describeSessionStatisticsByIntervalResponse]("Fuzz", b)
		return e
	},
	func(b []byte) *Error { _, e := decode[describeProjectListResponse]("Fuzz", b); return e },
	func(b []byte) *Error { _, e := decode[getDevicesResponse]("Fuzz", b); return e },
	func(b []byte) *Error { _, e := decode[describeDeviceListResponse]("Fuzz", b); return e },
	func(b []byte) *Error { _, e := decode[describeRecentSessionListResponse]("Fuzz", b); return e },
	func(b []byte) *Error { _, e := decode[describeDeviceSessionListResponse]("Fuzz", b); return e },
	func(b []byte) *Error { _, e := decode[getLicenseStatResponse]("Fuzz", b); return e },
}

func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, decodeAs := range decoders {
			e := decodeAs(body)
			if e == nil {
				continue
			}
			// Whatever the upstream sends, the code label stays bounded.
			if len(e.Code) > 80 || strings.ContainsAny(e.Code, " \n\"{}") {
				t.Fatalf("unbounded code %q", e.Code)
			}
			if len(e.Error()) > 600 {
				t.Fatalf("error message of %d bytes", len(e.Error()))
			}
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"1795689000", "1795689000123", "2026-11-26 18:30:00", "2026-11-26T10:30:00Z", "", "-1", "yesterday"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, ok := ParseTime(s); ok && tm.Unix() <= 0 {
			t.Fatalf("ParseTime(%q) = %v: not a positive time", s, tm)
		}
	})
}
