package plan

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestKnownFleet(t *testing.T) {
	// 3 projects: 250, 0 and 100 devices; 1 050 license groups; page size 100.
	f := Fleet{Projects: 3, LicenseGroups: 1050, Devices: []int{250, 0, 100}, RecentSessions: []int{5, 0, 101}, QualitySessions: []int{1000, 0, 0}}
	s := Settings{
		Collectors: map[string]bool{"projects": true, "sessions": true, "licenses": true, "devices": true, "device_status": true,
			"recent_sessions": true, "license_summary": true, "session_quality": true},
		Discover: true, Intervals: 2, PageSize: 100, MaxDevicesPerProject: 5000, RateLimit: 20,
		ScrapeInterval: time.Minute, ScrapeTimeout: 30 * time.Second,
		MinInterval: map[string]time.Duration{"devices": 10 * time.Minute},
	}
	p := Compute(f, s)
	want := map[string][2]int64{
		"DescribeProjectList":                 {1, 43200},
		"DescribeSessionStatisticsByInterval": {6, 6 * 43200},
		"GetLicenses":                         {11, 11 * 43200},
		"GetDevices":                          {3 + 1 + 1, 5 * 4320}, // every 10 minutes
		"DescribeDeviceList":                  {5, 5 * 43200},
		"DescribeRecentSessionList":           {1 + 1 + 2, 4 * 43200},
		"DescribeDeviceSessionList":           {10 + 1 + 1, 12 * 43200},
		"GetLicenseStat":                      {1, 43200},
	}
	if len(p.Lines) != len(want) {
		t.Fatalf("%d lines: %+v", len(p.Lines), p.Lines)
	}
	var total int
	for _, l := range p.Lines {
		w := want[l.Action]
		if int64(l.PerScrape) != w[0] || l.PerMonth != w[1] {
			t.Errorf("%s: %d per scrape, %d per month; want %v", l.Action, l.PerScrape, l.PerMonth, w)
		}
		total += l.PerScrape
	}
	if p.PerScrape != total || p.PerScrape != 45 {
		t.Errorf("total %d, want 45", p.PerScrape)
	}
	// Discovery (1 call, 0.05s) then the longest list: 12 calls at 20/s.
	if p.ScrapeSeconds != 0.05+0.6 || len(p.Warnings) != 0 || p.ScrapesInMonth != 43200 {
		t.Errorf("scrape %.3fs, warnings %v", p.ScrapeSeconds, p.Warnings)
	}
}

func TestWarnsWhenTheRateLimitCannotFitTheTimeout(t *testing.T) {
	f := Fleet{Projects: 500, Devices: make([]int, 500), RecentSessions: make([]int, 500)}
	s := Settings{Collectors: map[string]bool{"sessions": true}, Intervals: 2, PageSize: 100, RateLimit: 20,
		ScrapeInterval: time.Minute, ScrapeTimeout: 30 * time.Second}
	p := Compute(f, s)
	// 1 000 statistics calls at 20/s: 50s > 30s.
	if p.ScrapeSeconds != 50 || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "at least 50.0s") {
		t.Fatalf("%.1fs, %v", p.ScrapeSeconds, p.Warnings)
	}
	var b bytes.Buffer
	p.Print(&b, s)
	if !strings.Contains(b.String(), "DescribeSessionStatisticsByInterval") || !strings.Contains(b.String(), "WARNING:") {
		t.Fatalf("print:\n%s", b.String())
	}
}
