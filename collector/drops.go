package collector

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trro-exporter/trro_exporter/trro"
)

// drops counts the API values the exporter did not export, by API field
// and reason, over the exporter's life: shared by every collector of an
// exporter and written with every round.
type drops struct {
	fam *Family
	mu  sync.Mutex
	n   map[[2]string]uint64 // field, reason
}

func newDrops() *drops {
	return &drops{
		fam: newFamily("trro_dropped_values_total",
			"API values not exported, by API field and reason: unparseable (no known format), implausible (a time before 2022 or from 2100 on, a value out of its range), negative (a count or duration below zero); for session series also null, missing (array shorter than TimeOffset), no_time, outside_window, not_in_session (a device the session does not join).",
			prometheus.CounterValue, "field", "reason"),
		// Seeded so that the family is on every page from the start: a
		// counter that appears only once something was dropped cannot be
		// told from one that was never exported.
		n: map[[2]string]uint64{{"LastReportTime", "unparseable"}: 0},
	}
}

func (d *drops) add(field, reason string, n int) {
	if n <= 0 { // zero would add a series for nothing
		return
	}
	d.mu.Lock()
	d.n[[2]string{field, reason}] += uint64(n)
	d.mu.Unlock()
}

// plausible is v, or no value (counted as dropped) when check finds fault
// with it.
func (d *drops) plausible(field string, v trro.Int, check func(int64) string) trro.Int {
	if v.Valid {
		if why := check(v.Value); why != "" {
			d.add(field, why, 1)
			return trro.Int{}
		}
	}
	return v
}

// write sends the counts so far, in a stable order.
func (d *drops) write(s Sink) {
	d.mu.Lock()
	keys := make([][2]string, 0, len(d.n))
	for k := range d.n {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1])) })
	counts := make([]uint64, len(keys))
	for i, k := range keys {
		counts[i] = d.n[k]
	}
	d.mu.Unlock()
	for i, k := range keys {
		s.Sample(d.fam, float64(counts[i]), k[0], k[1])
	}
}

// The product did not exist before 2022; nothing it reports lies past 2100.
var (
	firstPlausible = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	lastPlausible  = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

// Checks of API integers: "" when plausible, else why the value is dropped.
func notNegative(v int64) string {
	if v < 0 {
		return "negative"
	}
	return ""
}

func plausibleTime(v int64) string {
	if v < firstPlausible || v >= lastPlausible {
		return "implausible"
	}
	return ""
}

func percentRange(v int64) string {
	if v < 0 || v > 100 {
		return "implausible"
	}
	return ""
}
