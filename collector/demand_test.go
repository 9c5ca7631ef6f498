package collector_test

import (
	"context"
	"maps"
	"testing"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

// What each collector declares it costs is what one scrape of it calls,
// action by action: the budget planner sums these declarations, so a
// collector that called an action it does not declare would fail here.
func TestEveryCollectorDeclaresItsCalls(t *testing.T) {
	for _, c := range []struct{ discover, deviceFilter bool }{{true, false}, {false, false}, {true, true}} {
		discover := c.discover
		for _, name := range collector.Names() {
			var projects []string
			if !discover {
				projects = []string{"proj0000000000aa", "proj0000000000bb"}
			}
			e := newEnv(t, fixtureFleet(), envOpts{collectors: []string{name}, projects: projects, client: func(o *trro.Options) { o.PageSize = 2 },
				account: func(o *config.Account) {
					o.PageSize = 2
					if c.deviceFilter {
						o.DeviceExclude = "nothing"
					}
				}})
			e.srv.MaxPageSize = 2
			fleet, err := plan.Size(context.Background(), e.client, projects, nil, e.exp.Lists(), now, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.srv.ResetStats()
			if code, body := e.scrape(t, ""); code != 200 || !hasLine(body, `trro_scrape_collector_success{collector="`+name+`"} 1`) {
				t.Fatalf("%s: scrape failed:\n%s", name, body)
			}
			declared := map[string]int{}
			for _, d := range e.exp.Demands(fleet)[name] {
				if d.Shared { // made once per round, whoever asks
					declared[d.Action] = max(declared[d.Action], d.Calls)
				} else {
					declared[d.Action] += d.Calls
				}
			}
			made := map[string]int{}
			for _, a := range []string{trro.ActionDescribeProjectList, trro.ActionDescribeSessionStatisticsByInterval,
				trro.ActionGetLicenses, trro.ActionGetDevices, trro.ActionDescribeDeviceList,
				trro.ActionDescribeRecentSessionList, trro.ActionDescribeDeviceSessionList, trro.ActionGetLicenseStat,
				trro.ActionGetTotalDuration, trro.ActionDescribeDeviceSessionDetails} {
				if n := e.srv.Calls(a); n > 0 {
					made[a] = n
				}
			}
			if e.srv.Calls("") != sum(made) {
				t.Fatalf("%s: calls to an action this test does not know: %d in all", name, e.srv.Calls(""))
			}
			if !maps.Equal(declared, made) {
				t.Errorf("%s (discover %v, device_exclude %v): declares %v, made %v", name, discover, c.deviceFilter, declared, made)
			}
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
