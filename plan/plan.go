// Package plan works out the API budget of a configuration: calls per
// scrape and per month for each action, against the per-action rate limit,
// and whether a scrape can finish within its timeout.
package plan

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"time"
)

// List is a paged list of the API as a scrape reads it, and as sizing
// counts it: the action, the span before the scrape it covers (0: a list
// without a time window), whether each project has one, and what its items
// are (for people).
type List struct {
	Action     string
	Window     time.Duration
	PerProject bool
	Items      string
	// Unregistered: the devices that log in without registration are
	// counted too (DescribeDeviceList RegisterType 1), as the collectors
	// read them.
	Unregistered bool
}

// Fleet is the size of an account: its projects, and the item counts of
// the lists the collectors' demands read.
type Fleet struct {
	Projects int
	sizes    map[List][]int
	// asked records the lists asked for (see Lists).
	asked *[]List
}

// NewFleet is a fleet of the given projects and list sizes.
func NewFleet(projects int, sizes map[List][]int) Fleet {
	return Fleet{Projects: projects, sizes: sizes}
}

// Sizes are l's item counts: per project, in the fleet's project order,
// or one for an account-wide list; zeros when l was not counted.
func (f Fleet) Sizes(l List) []int {
	if f.asked != nil && !slices.Contains(*f.asked, l) {
		*f.asked = append(*f.asked, l)
	}
	if s, ok := f.sizes[l]; ok {
		return s
	}
	if l.PerProject {
		return make([]int, f.Projects)
	}
	return []int{0}
}

// Lists are the lists demand reads of a fleet, in the order it first asks
// for them: what sizing has to count. The demands themselves say it, so
// no second table of collectors and actions can disagree with them.
func Lists(demand func(Fleet)) []List {
	var asked []List
	demand(Fleet{asked: &asked})
	return asked
}

// Demand is what one collector costs per scrape in calls to one action,
// as the collector itself declares it for a sized fleet.
type Demand struct {
	Action string
	Calls  int
	// Shared calls are made once per API round for every collector that
	// needs them (the project list): they count once, not per collector.
	Shared bool
	// Every: the calls are made at most this often, whatever the scrape
	// interval (0: on every scrape they can).
	Every time.Duration
}

// Settings are the parts of the configuration the budget depends on
// besides the collectors' demands.
type Settings struct {
	RateLimit      float64
	ScrapeInterval time.Duration
	ScrapeTimeout  time.Duration
	// MinInterval per collector: its calls happen at most this often.
	MinInterval map[string]time.Duration
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

// Pages is how many calls a list of items takes at size items a page; an
// empty list still takes one.
func Pages(items, size int) int {
	if items <= 0 {
		return 1
	}
	return (items + size - 1) / size
}

// SumPages is Pages summed over lists, each cut at capEach items (0: no cut).
func SumPages(items []int, size, capEach int) int {
	n := 0
	for _, it := range items {
		if capEach > 0 && it > capEach {
			it = capEach
		}
		n += Pages(it, size)
	}
	return n
}

// actionCost is what the collectors' demands add up to for one action.
type actionCost struct {
	action   string
	calls    int
	perMonth int64
	shared   bool
	users    []string
}

// sumDemands adds up the demands action by action, in the order actions
// first appear (collectors by name): shared calls count once, as the
// largest demand of them; the others add up.
func sumDemands(demands map[string][]Demand, s Settings) []*actionCost {
	byAction := map[string]*actionCost{}
	var out []*actionCost
	for _, name := range slices.Sorted(maps.Keys(demands)) {
		for _, d := range demands[name] {
			// Calls happen as often as the collector's min_interval and
			// their own pace allow.
			times := int64(month / max(s.ScrapeInterval, s.MinInterval[name], d.Every))
			c := byAction[d.Action]
			if c == nil {
				c = &actionCost{action: d.Action, shared: d.Shared}
				byAction[d.Action] = c
				out = append(out, c)
			}
			if d.Shared {
				c.calls = max(c.calls, d.Calls)
				c.perMonth = max(c.perMonth, int64(d.Calls)*times)
			} else {
				c.calls += d.Calls
				c.perMonth += int64(d.Calls) * times
			}
			if !slices.Contains(c.users, name) {
				c.users = append(c.users, name)
			}
		}
	}
	return out
}

// Compute sums what the collectors declare (collector name → demands) into
// the plan of settings s.
func Compute(demands map[string][]Demand, s Settings) Plan {
	p := Plan{ScrapesInMonth: int64(month / s.ScrapeInterval)}
	var sharedSeconds, longest float64
	for _, c := range sumDemands(demands, s) {
		l := Line{Action: c.action, Collectors: c.users, PerScrape: c.calls,
			PerMonth: c.perMonth, Seconds: float64(c.calls) / s.RateLimit}
		p.Lines = append(p.Lines, l)
		p.PerScrape += l.PerScrape
		p.PerMonth += l.PerMonth
		if c.shared {
			sharedSeconds = math.Max(sharedSeconds, l.Seconds) // the other lists wait for it
		} else {
			longest = math.Max(longest, l.Seconds)
		}
	}
	// Actions have separate limits and run side by side; shared calls come first.
	p.ScrapeSeconds = sharedSeconds + longest
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

// Sum adds up per-project sizes.
func Sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}
