package trro

import (
	"encoding/json"
	"testing"
)

func TestParseTime(t *testing.T) {
	cases := map[string]int64{
		"1795689000":                1795689000,
		"1795689000123":             1795689000, // milliseconds
		"2026-11-26 18:30:00":       1795689000, // China Standard Time
		"2026-11-26T10:30:00Z":      1795689000,
		"2026-11-26T18:30:00+08:00": 1795689000,
		" 1795689000 ":              1795689000,
	}
	for in, want := range cases {
		got, ok := ParseTime(in)
		if !ok || got.Unix() != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0", "-5", "yesterday", "2026-11-26", "26/11/2026 10:30", "2026-13-40 99:99:99"} {
		if got, ok := ParseTime(bad); ok {
			t.Errorf("ParseTime(%q) = %v, want not ok", bad, got)
		}
	}
}

func TestIntAndTextDecoding(t *testing.T) {
	var v struct {
		A, B, C, D, E Int
		T, U, W       Text
	}
	if err := json.Unmarshal([]byte(`{"A":5,"B":"6","C":null,"D":"","E":"7.0","T":"2026-11-26 18:30:00","U":1795689000,"W":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != IntOf(5) || v.B != IntOf(6) || v.C.Valid || v.D.Valid || v.E != IntOf(7) {
		t.Fatalf("ints: %+v", v)
	}
	if v.T != "2026-11-26 18:30:00" || v.U != "1795689000" || v.W != "" {
		t.Fatalf("texts: %+v", v)
	}
	for _, bad := range []string{`{"A":"x"}`, `{"A":1.5}`, `{"A":true}`, `{"T":true}`, `{"T":{}}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// Text's fast path for plain strings gives what json.Unmarshal gives, and
// strings with escapes, control characters or invalid UTF-8 take the slow
// path to the same result (or the same refusal).
func TestTextAsJSONString(t *testing.T) {
	for _, raw := range []string{`""`, `"a"`, `"dev-001 excavator"`, `"挖掘机 7"`, `"a\"b"`, `"a\\b"`, `"\u00e9t\u00e9"`,
		`"tab\there"`, `"line\nbreak"`, "\"raw\ttab\"", "\"bad \xff utf8\"", "\"half \xe6\x8c\"", `"/"`, `"\/"`} {
		var want string
		wantErr := json.Unmarshal([]byte(raw), &want)
		var got Text
		err := got.UnmarshalJSON([]byte(raw))
		if (err != nil) != (wantErr != nil) || err == nil && string(got) != want {
			t.Errorf("%q: got %q (%v), json.Unmarshal %q (%v)", raw, got, err, want, wantErr)
		}
	}
	if !plainString([]byte(`"dev-001"`)) || plainString([]byte(`"a\nb"`)) || plainString([]byte("\"\xff\"")) {
		t.Error("plainString misjudges")
	}
}

// Every field of every answer decodes leniently: strings, numbers or null,
// so one odd field never fails a whole list (ProjectInfo was strict once).
func TestEveryFieldIsLenient(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"projects", `{"Response":{"Projects":[{"ProjectId":"p1","ProjectName":1234,"ProjectDescription":null,"PolicyMode":"black","ModifyTime":1661140800}],"Total":1,"RequestId":"r"}}`},
		{"devices", `{"Response":{"Devices":[{"DeviceId":12,"DeviceName":null,"DeviceStatus":"ready","DeviceType":"field","ProjectId":7}],"Total":"1","RequestId":"r"}}`},
		{"licenses", `{"Response":{"Licenses":[{"Count":"1","LicenseIds":[42,null,"lic-b"]}],"TotalCount":1,"RequestId":"r"}}`},
		{"recent", `{"Response":{"RecentSessionList":[{"SessionId":99,"RemoteDeviceId":null,"FieldDeviceId":3,"Resolution":1080}],"Total":1,"RequestId":"r"}}`},
		{"quality", `{"Response":{"DeviceSessionList":[{"SessionId":"s","Quality":null,"Resolution":720}],"Total":1,"RequestId":"r"}}`},
		{"bindings", `{"Response":{"Devices":[{"DeviceId":5,"DeviceName":6,"LicenseIds":[1,2]}],"TotalCount":1,"RequestId":"r"}}`},
	} {
		var err *Error
		switch c.name {
		case "projects":
			var out *describeProjectListResponse
			if out, err = decode[describeProjectListResponse]("x", []byte(c.body)); err == nil {
				if p := out.Projects[0]; p.ProjectName != "1234" || p.ProjectDescription != "" || p.ModifyTime != "1661140800" {
					t.Errorf("projects: %+v", p)
				}
			}
		case "devices":
			var out *describeDeviceListResponse
			if out, err = decode[describeDeviceListResponse]("x", []byte(c.body)); err == nil && (out.Devices[0].DeviceID != "12" || out.Devices[0].ProjectID != "7") {
				t.Errorf("devices: %+v", out.Devices[0])
			}
		case "licenses":
			var out *getLicensesResponse
			if out, err = decode[getLicensesResponse]("x", []byte(c.body)); err == nil && len(out.Licenses[0].LicenseIDs) != 3 {
				t.Errorf("licenses: %+v", out.Licenses[0])
			}
		case "recent":
			_, err = decode[describeRecentSessionListResponse]("x", []byte(c.body))
		case "quality":
			_, err = decode[describeDeviceSessionListResponse]("x", []byte(c.body))
		case "bindings":
			_, err = decode[getDevicesResponse]("x", []byte(c.body))
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// FuzzTextAsJSONString: for any string, quoted as JSON or just between
// quotes, Text holds what json.Unmarshal gives, or fails where it fails.
func FuzzTextAsJSONString(f *testing.F) {
	for _, s := range []string{"", "dev-001", "挖掘机", "a\"b", "\x00", "\xff", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("json.Marshal(%q): %v", s, err)
		}
		for _, b := range [][]byte{raw, append(append([]byte{'"'}, s...), '"')} {
			var want string
			wantErr := json.Unmarshal(b, &want)
			var got Text
			err := got.UnmarshalJSON(b)
			if (err != nil) != (wantErr != nil) || err == nil && string(got) != want {
				t.Fatalf("%q: got %q (%v), json.Unmarshal %q (%v)", b, got, err, want, wantErr)
			}
		}
	})
}
