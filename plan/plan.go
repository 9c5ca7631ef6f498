// Package plan works out the API budget of a configuration: calls per
// scrape and per month for each action, against the per-action rate limit,
// and whether a scrape can finish within its timeout.
package plan

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"
)

// Fleet is the size of an account, as seen by the list actions.
type Fleet struct {
	Projects      int
	LicenseGroups int
	// Per project, in the same order.
	Devices         []int
	RecentSessions  []int
	QualitySessions []int
}

// Settings are the parts of the configuration that cost calls.
type Settings struct {
	Collectors           map[string]bool
	Discover             bool // projects are discovered with DescribeProjectList
	Intervals            int
	PageSize             int
	MaxDevicesPerProject int
	RateLimit            float64
	ScrapeInterval       time.Duration
	ScrapeTimeout        time.Duration
	MinInterval          map[string]time.Duration
}

// Line is one action's cost.
type Line struct {
	Action     string
	Collectors []string
	PerScrape  int
	PerMonth   int64
	// Seconds is how long PerScrape calls take at the rate limit.
	Seconds float64
}

// Plan is the budget of a configuration.
type Plan struct {
	Lines          []Line
	PerScrape      int
	PerMonth       int64
	ScrapeSeconds  float64
	ScrapesInMonth int64
	Warnings       []string
}

const month = 30 * 24 * time.Hour

func pages(items, size int) int {
	if items <= 0 {
		return 1 // an empty list still takes one call
	}
	return (items + size - 1) / size
}

func sumPages(items []int, size, capEach int) int {
	n := 0
	for _, it := range items {
		if capEach > 0 && it > capEach {
			it = capEach
		}
		n += pages(it, size)
	}
	return n
}

// Compute works out the plan of settings s for fleet f.
func Compute(f Fleet, s Settings) Plan {
	if s.PageSize <= 0 {
		s.PageSize = 100
	}
	on := func(c string) bool { return s.Collectors[c] }
	perProject := []string{"sessions", "devices", "device_status", "recent_sessions", "session_quality"}
	needProjects := on("projects")
	for _, c := range perProject {
		needProjects = needProjects || (s.Discover && on(c))
	}
	type item struct {
		action string
		calls  int
		users  []string
	}
	var items []item
	if needProjects {
		var users []string
		if on("projects") {
			users = append(users, "projects")
		}
		if s.Discover {
			for _, c := range perProject {
				if on(c) {
					users = append(users, c)
				}
			}
		}
		items = append(items, item{"DescribeProjectList", pages(f.Projects, s.PageSize), users})
	}
	if on("sessions") {
		items = append(items, item{"DescribeSessionStatisticsByInterval", f.Projects * s.Intervals, []string{"sessions"}})
	}
	if on("licenses") {
		items = append(items, item{"GetLicenses", pages(f.LicenseGroups, s.PageSize), []string{"licenses"}})
	}
	if on("devices") {
		items = append(items, item{"GetDevices", sumPages(f.Devices, s.PageSize, s.MaxDevicesPerProject), []string{"devices"}})
	}
	if on("device_status") {
		items = append(items, item{"DescribeDeviceList", sumPages(f.Devices, s.PageSize, s.MaxDevicesPerProject), []string{"device_status"}})
	}
	if on("recent_sessions") {
		items = append(items, item{"DescribeRecentSessionList", sumPages(f.RecentSessions, s.PageSize, 0), []string{"recent_sessions"}})
	}
	if on("session_quality") {
		items = append(items, item{"DescribeDeviceSessionList", sumPages(f.QualitySessions, s.PageSize, 0), []string{"session_quality"}})
	}
	if on("license_summary") {
		items = append(items, item{"GetLicenseStat", 1, []string{"license_summary"}})
	}

	p := Plan{ScrapesInMonth: int64(month / s.ScrapeInterval)}
	var listSeconds, longest float64
	for _, it := range items {
		// An action's calls happen as often as its most frequent user needs them.
		every := month
		for _, u := range it.users {
			every = min(every, max(s.ScrapeInterval, s.MinInterval[u]))
		}
		l := Line{Action: it.action, Collectors: it.users, PerScrape: it.calls,
			PerMonth: int64(it.calls) * int64(month/every), Seconds: float64(it.calls) / s.RateLimit}
		p.Lines = append(p.Lines, l)
		p.PerScrape += l.PerScrape
		p.PerMonth += l.PerMonth
		if it.action == "DescribeProjectList" && s.Discover {
			listSeconds = l.Seconds // the other lists wait for it
		} else {
			longest = math.Max(longest, l.Seconds)
		}
	}
	// Actions have separate limits and run side by side; discovery comes first.
	p.ScrapeSeconds = listSeconds + longest
	timeout := min(s.ScrapeTimeout, s.ScrapeInterval)
	if p.ScrapeSeconds > timeout.Seconds() {
		p.Warnings = append(p.Warnings, fmt.Sprintf(
			"a scrape needs at least %.1fs at %g calls/s per action, more than the %s it may take: raise scrape_timeout and the scrape interval, set min_interval for the large collectors, or list fewer projects",
			p.ScrapeSeconds, s.RateLimit, timeout))
	} else if p.ScrapeSeconds > 0.8*timeout.Seconds() {
		p.Warnings = append(p.Warnings, fmt.Sprintf("a scrape needs at least %.1fs of its %s at the rate limit: little room for slow answers or retries", p.ScrapeSeconds, timeout))
	}
	sort.SliceStable(p.Lines, func(i, j int) bool { return p.Lines[i].PerScrape > p.Lines[j].PerScrape })
	return p
}

// Print writes the plan as a table.
func (p Plan) Print(w io.Writer, s Settings) {
	fmt.Fprintf(w, "API budget at a %s scrape interval (%d scrapes in 30 days), %g calls/s per action:\n", s.ScrapeInterval, p.ScrapesInMonth, s.RateLimit)
	fmt.Fprintf(w, "  %-36s %10s %14s %10s  %s\n", "action", "per scrape", "per month", "seconds", "collectors")
	for _, l := range p.Lines {
		fmt.Fprintf(w, "  %-36s %10d %14d %10.2f  %v\n", l.Action, l.PerScrape, l.PerMonth, l.Seconds, l.Collectors)
	}
	fmt.Fprintf(w, "  %-36s %10d %14d %10.2f  (shortest possible scrape)\n", "total", p.PerScrape, p.PerMonth, p.ScrapeSeconds)
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", warn)
	}
}
