package plan

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestComputeSumsDemands(t *testing.T) {
	demands := map[string][]Demand{
		// The shared project list counts once, however many need it.
		"projects": {{Action: "DescribeProjectList", Calls: 2, Shared: true}},
		"devices":  {{Action: "DescribeProjectList", Calls: 2, Shared: true}, {Action: "GetDevices", Calls: 30}},
		"sessions": {{Action: "DescribeProjectList", Calls: 2, Shared: true}, {Action: "DescribeSessionStatisticsByInterval", Calls: 6}},
		// Two collectors on one action add up, each at its own pace.
		"a": {{Action: "GetLicenses", Calls: 3}},
		"b": {{Action: "GetLicenses", Calls: 4}},
		// Calls with a pace of their own: hourly.
		"u": {{Action: "GetTotalDuration", Calls: 2}, {Action: "GetTotalDuration", Calls: 2, Every: time.Hour}},
	}
	s := Settings{RateLimit: 20, ScrapeInterval: time.Minute, ScrapeTimeout: 30 * time.Second,
		MinInterval: map[string]time.Duration{"devices": 10 * time.Minute, "a": 5 * time.Minute}}
	p := Compute(demands, s)
	want := map[string][2]int64{
		"DescribeProjectList":                 {2, 2 * 43200},
		"GetDevices":                          {30, 30 * 4320}, // every 10 minutes
		"DescribeSessionStatisticsByInterval": {6, 6 * 43200},
		"GetLicenses":                         {7, 3*8640 + 4*43200}, // a every 5 minutes, b every minute
		"GetTotalDuration":                    {4, 2*43200 + 2*720},
	}
	if len(p.Lines) != len(want) {
		t.Fatalf("%d lines: %+v", len(p.Lines), p.Lines)
	}
	for _, l := range p.Lines {
		if w := want[l.Action]; int64(l.PerScrape) != w[0] || l.PerMonth != w[1] {
			t.Errorf("%s: %d per scrape, %d per month; want %v", l.Action, l.PerScrape, l.PerMonth, w)
		}
	}
	if p.PerScrape != 49 || p.ScrapesInMonth != 43200 {
		t.Errorf("total %d per scrape, %d scrapes", p.PerScrape, p.ScrapesInMonth)
	}
	// The shared list (0.1s) first, then the longest: 30 calls at 20/s.
	if p.ScrapeSeconds != 0.1+1.5 || len(p.Warnings) != 0 {
		t.Errorf("scrape %.3fs, warnings %v", p.ScrapeSeconds, p.Warnings)
	}
	if p.Lines[0].Action != "GetDevices" {
		t.Errorf("lines not sorted by calls: %+v", p.Lines)
	}
}

func TestWarnsWhenTheRateLimitCannotFitTheTimeout(t *testing.T) {
	demands := map[string][]Demand{"sessions": {{Action: "DescribeSessionStatisticsByInterval", Calls: 1000}}}
	s := Settings{RateLimit: 20, ScrapeInterval: time.Minute, ScrapeTimeout: 30 * time.Second}
	p := Compute(demands, s)
	// 1 000 statistics calls at 20/s: 50s > 30s.
	if p.ScrapeSeconds != 50 || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "at least 50.0s") {
		t.Fatalf("%.1fs, %v", p.ScrapeSeconds, p.Warnings)
	}
	var b bytes.Buffer
	p.Print(&b, s)
	if !strings.Contains(b.String(), "DescribeSessionStatisticsByInterval") || !strings.Contains(b.String(), "WARNING:") {
		t.Fatalf("print:\n%s", b.String())
	}
	// 26s of 30s: a warning of little room.
	demands["sessions"][0].Calls = 520
	if p := Compute(demands, s); len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "little room") {
		t.Fatalf("%v", p.Warnings)
	}
}

func TestPages(t *testing.T) {
	for _, c := range []struct{ items, size, capEach, want int }{
		{0, 100, 0, 1}, {1, 100, 0, 1}, {100, 100, 0, 1}, {101, 100, 0, 2}, {250, 100, 0, 3},
		{250, 100, 100, 1}, {-1, 100, 0, 1},
	} {
		if got := SumPages([]int{c.items}, c.size, c.capEach); got != c.want {
			t.Errorf("SumPages(%d, %d, cap %d) = %d, want %d", c.items, c.size, c.capEach, got, c.want)
		}
	}
	if got := SumPages([]int{250, 0, 100}, 100, 0); got != 5 {
		t.Errorf("SumPages = %d, want 5", got)
	}
}

// Sizing counts what the demands read, and nothing else: Lists records
// the lists a demand asks a fleet for, each once, in the order asked.
func TestListsAreWhatDemandsRead(t *testing.T) {
	a := List{Action: "GetDevices", PerProject: true, Items: "devices"}
	b := List{Action: "GetLicenses", Items: "license groups"}
	lists := Lists(func(f Fleet) {
		_ = append(f.Sizes(a), f.Sizes(b)...)
		f.Sizes(a)
	})
	if len(lists) != 2 || lists[0] != a || lists[1] != b {
		t.Fatalf("lists %+v", lists)
	}
	f := NewFleet(2, map[List][]int{a: {3, 4}, b: {9}})
	if got := f.Describe(lists); got != "2 projects, 7 devices, 9 license groups" {
		t.Errorf("describe: %q", got)
	}
	// A list not counted reads as zeros, one per project.
	if got := f.Sizes(List{Action: "X", PerProject: true}); len(got) != 2 || got[0] != 0 {
		t.Errorf("uncounted list: %v", got)
	}
}
