package standin_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/trro-exporter/trro_exporter/standin"
)

const (
	id  = "AKIDstandintest"
	key = "standin-secret"
)

var now = time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)

func start(t *testing.T) (*standin.Server, string) {
	t.Helper()
	srv := standin.NewServer(standin.Generate(standin.DefaultSpec, time.Now()), standin.Credential{SecretID: id, SecretKey: key})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts.URL
}

// call uses the official SDK's CommonClient, as the exporter does.
func call(t *testing.T, url, secretID, secretKey, region, action, params string) (map[string]any, error) {
	t.Helper()
	prof := profile.NewClientProfile()
	prof.HttpProfile.Endpoint = strings.TrimPrefix(url, "http://")
	prof.HttpProfile.Scheme = "http"
	c := common.NewCommonClient(common.NewCredential(secretID, secretKey), region, prof)
	req := tchttp.NewCommonRequest("trro", "2022-03-25", action)
	if err := req.SetActionParameters(params); err != nil {
		t.Fatal(err)
	}
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		return nil, err
	}
	var out struct{ Response map[string]any }
	if err := json.Unmarshal(resp.GetBody(), &out); err != nil {
		t.Fatal(err)
	}
	return out.Response, nil
}

func code(err error) string {
	if e, ok := err.(*tcerr.TencentCloudSDKError); ok {
		return e.Code
	}
	return ""
}

func TestEveryReadActionAnswers(t *testing.T) {
	_, url := start(t)
	fleet := standin.Generate(standin.DefaultSpec, time.Now())
	p, d := fleet.Projects[0].ID, fleet.Devices[0].ID
	sess := fleet.Sessions[0].ID
	cases := map[string]struct{ params, field string }{
		"DescribeSessionStatisticsByInterval": {`{"ProjectId":"` + p + `","StatisticInterval":"hour"}`, "SessionStatistics"},
		"DescribeSessionStatistics":           {`{"ProjectId":"` + p + `"}`, "SessionNum"},
		"GetLicenses":                         {`{"PageNum":1,"PageSize":10}`, "Licenses"},
		"GetDevices":                          {`{"PageNum":"1","PageSize":"10","ProjectId":"` + p + `"}`, "Devices"},
		"GetLicenseStat":                      {`{}`, "Valid"},
		"GetDeviceLicense":                    {`{"ProjectId":"` + p + `","DeviceId":"` + d + `"}`, "AvailableCount"},
		"DescribeProjectList":                 {`{}`, "Projects"},
		"DescribeDeviceList":                  {`{"ProjectId":"` + p + `"}`, "Devices"},
		"DescribeRecentSessionList":           {`{"ProjectId":"` + p + `","PageNumber":1,"PageSize":10}`, "RecentSessionList"},
		"DescribeDeviceSessionList":           {`{"ProjectId":"` + p + `","PageNumber":1,"PageSize":10}`, "DeviceSessionList"},
		"DescribeDeviceSessionDetails":        {`{"SessionId":"` + sess + `"}`, "Details"},
	}
	for action, c := range cases {
		out, err := call(t, url, id, key, "ap-guangzhou", action, c.params)
		if err != nil {
			t.Errorf("%s: %v", action, err)
			continue
		}
		if _, ok := out[c.field]; !ok {
			t.Errorf("%s: no %s in %v", action, c.field, out)
		}
		if out["RequestId"] == "" {
			t.Errorf("%s: no RequestId", action)
		}
	}
}

func TestSignatureChecks(t *testing.T) {
	_, url := start(t)
	if _, err := call(t, url, id, "wrong", "ap-guangzhou", "GetLicenses", `{"PageNum":1,"PageSize":1}`); code(err) != "AuthFailure.SignatureFailure" {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := call(t, url, "AKIDunknown", key, "ap-guangzhou", "GetLicenses", `{"PageNum":1,"PageSize":1}`); code(err) != "AuthFailure.SecretIdNotFound" {
		t.Errorf("unknown id: %v", err)
	}
}

func TestTamperedAndExpiredRequests(t *testing.T) {
	srv, url := start(t)
	// Sign a request, then replay it with another body or much later.
	var captured *http.Request
	var body []byte
	capture := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		captured = r.Clone(r.Context())
		body, _ = readAll(r)
		w.Write([]byte(`{"Response":{"RequestId":"x"}}`))
	}))
	defer capture.Close()
	call(t, capture.URL, id, key, "ap-guangzhou", "GetLicenses", `{"PageNum":1,"PageSize":1}`)

	send := func(b []byte) string {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
		req.Header = captured.Header.Clone()
		req.Host = strings.TrimPrefix(capture.URL, "http://")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Response struct{ Error struct{ Code string } }
		}
		json.NewDecoder(resp.Body).Decode(&out)
		return out.Response.Error.Code
	}
	if c := send(body); c != "" {
		t.Fatalf("replayed genuine request refused: %s", c)
	}
	if c := send(bytes.Replace(body, []byte(`"PageSize":1`), []byte(`"PageSize":9`), 1)); c != "AuthFailure.SignatureFailure" {
		t.Errorf("tampered body: %q", c)
	}
	srv.AuthNow = func() time.Time { return time.Now().Add(10 * time.Minute) }
	if c := send(body); c != "AuthFailure.SignatureExpire" {
		t.Errorf("old timestamp: %q", c)
	}
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.Bytes(), err
}

func TestParameterErrors(t *testing.T) {
	_, url := start(t)
	cases := []struct{ region, action, params, code string }{
		{"ap-guangzhou", "DescribeSessionStatisticsByInterval", `{"StatisticInterval":"hour"}`, "MissingParameter"},
		{"ap-guangzhou", "DescribeSessionStatisticsByInterval", `{"ProjectId":"nope","StatisticInterval":"hour"}`, "ResourceNotFound"},
		{"ap-guangzhou", "GetLicenses", `{"PageSize":10}`, "MissingParameter"},
		{"ap-guangzhou", "GetLicenses", `{"PageNum":"x","PageSize":10}`, "InvalidParameterValue"},
		{"", "DescribeProjectList", `{}`, "MissingParameter"},
		{"ap-guangzhou", "DeleteProject", `{}`, "InvalidAction"},
	}
	for _, c := range cases {
		if _, err := call(t, url, id, key, c.region, c.action, c.params); code(err) != c.code {
			t.Errorf("%s %s: %v, want %s", c.action, c.params, err, c.code)
		}
	}
	// GetLicenses does not need a region.
	if _, err := call(t, url, id, key, "", "GetLicenses", `{"PageNum":1,"PageSize":1}`); err != nil {
		t.Errorf("GetLicenses without region: %v", err)
	}
}

func TestPageSizeIsCapped(t *testing.T) {
	srv, url := start(t)
	srv.MaxPageSize = 3
	out, err := call(t, url, id, key, "ap-guangzhou", "GetLicenses", `{"PageNum":1,"PageSize":100}`)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out["Licenses"].([]any)); n != 3 {
		t.Fatalf("page of %d items, want 3", n)
	}
}

// The generated fleet adds up, at several instants: statistics buckets
// come from its sessions, nested buckets agree, no bucket holds more
// device-minutes than its field devices and its age allow, and the
// licenses GetDevices binds are the ones GetLicenses lists.
func TestGeneratedFleetAddsUp(t *testing.T) {
	for _, at := range []time.Duration{0, 17 * time.Minute, 3*time.Hour + 5*time.Minute, 26 * time.Hour} {
		f := standin.Generate(standin.DefaultSpec, now)
		when := now.Add(at)
		fields := map[string]int{}
		for _, d := range f.Devices {
			if d.Type == "field" {
				fields[d.ProjectID]++
			}
		}
		for _, p := range f.Projects {
			day := f.BucketOf(p.ID, "day", standin.BucketStart("day", when), when)
			month := f.BucketOf(p.ID, "month", standin.BucketStart("month", when), when)
			if day.SessionNum > month.SessionNum || day.TotalDuration > month.TotalDuration {
				t.Errorf("%v %s: day %+v holds more than its month %+v", at, p.ID, day, month)
			}
			var hourMinutes int
			for h := standin.BucketStart("day", when); h.Before(when); h = h.Add(time.Hour) {
				hour := f.BucketOf(p.ID, "hour", h, when)
				hourMinutes += hour.TotalDuration
				if hour.SessionNum > day.SessionNum || hour.ActiveFieldDeviceNum > day.ActiveFieldDeviceNum {
					t.Errorf("%v %s: hour %+v holds more than its day %+v", at, p.ID, hour, day)
				}
				end := h.Add(time.Hour)
				if when.Before(end) {
					end = when
				}
				elapsed := end.Sub(h).Minutes()
				if float64(hour.TotalDuration) > float64(hour.ActiveFieldDeviceNum)*elapsed+0.5 {
					t.Errorf("%v %s: hour at %v holds %d minutes with %d field devices in %.0f minutes",
						at, p.ID, h, hour.TotalDuration, hour.ActiveFieldDeviceNum, elapsed)
				}
				if hour.ActiveFieldDeviceNum > fields[p.ID] {
					t.Errorf("%v %s: %d active field devices of %d", at, p.ID, hour.ActiveFieldDeviceNum, fields[p.ID])
				}
			}
			// A day's minutes are its hours' (each rounded down).
			if day.TotalDuration < hourMinutes || day.TotalDuration > hourMinutes+24 {
				t.Errorf("%v %s: day %d minutes, its hours %d", at, p.ID, day.TotalDuration, hourMinutes)
			}
		}
		listed := map[string]bool{}
		for _, g := range f.Licenses {
			for _, id := range g.LicenseIDs {
				listed[id] = true
			}
		}
		for _, d := range f.Devices {
			if d.Type == "remote" && len(d.LicenseIDs) > 0 {
				t.Errorf("console %s holds licenses %v", d.ID, d.LicenseIDs)
			}
			for _, id := range d.LicenseIDs {
				if !listed[id] {
					t.Errorf("device %s is bound to %s, which GetLicenses does not list", d.ID, id)
				}
			}
		}
	}
	if day := standin.BucketStart("day", now); day.UTC().Hour() != 16 { // midnight in China Standard Time
		t.Fatalf("day bucket starts %v", day.UTC())
	}
}
