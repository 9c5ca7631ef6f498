package collector

import (
	"context"
	"regexp"
	"strings"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/trro-exporter/trro_exporter/plan"
	"github.com/trro-exporter/trro_exporter/trro"
)

// filters are an account's project and device filters, nil when unset.
type filters struct {
	include, exclude *regexp.Regexp // project names
	devices          *regexp.Regexp // device ids and names
}

// keepProject reports whether a discovered project passes include and
// exclude, by name.
func (f filters) keepProject(p *trro.ProjectInfo) bool {
	return KeepProject(f.include, f.exclude)(string(p.ProjectName))
}

// KeepProject tells the project names include (nil: all) matches and
// exclude (nil: none) does not.
func KeepProject(include, exclude *regexp.Regexp) func(name string) bool {
	return func(name string) bool {
		return (include == nil || include.MatchString(name)) && (exclude == nil || !exclude.MatchString(name))
	}
}

// deviceLister reads projects' device lists (DescribeDeviceList) for
// device_status and for device_exclude, which matches names. It outlives
// rounds: an API that refuses RegisterType is asked plainly for that
// project from then on, with a warning once.
type deviceLister struct {
	limit        int
	unregistered bool
	logger       log.Logger
	plain        sync.Map // project id → true
}

func (d *deviceLister) list(ctx context.Context, api API, pid string) ([]trro.DeviceInfo, bool, error) {
	_, plain := d.plain.Load(pid)
	devs, trunc, err := api.DescribeDeviceList(ctx, pid, d.limit, d.unregistered && !plain)
	if e, ok := trro.AsError(err); ok && d.unregistered && !plain && strings.HasPrefix(e.Code, "InvalidParameter") {
		if _, seen := d.plain.LoadOrStore(pid, true); !seen {
			level.Warn(d.logger).Log("msg", "the API refuses RegisterType: devices that log in without registration are not listed for this project",
				"project_id", pid, "code", e.Code, "request_id", e.RequestID)
		}
		return api.DescribeDeviceList(ctx, pid, d.limit, false)
	}
	return devs, trunc, err
}

// deviceList is one project's DescribeDeviceList, read once per round.
type deviceList struct {
	once      sync.Once
	list      []trro.DeviceInfo
	truncated bool
	err       error
	excluded  map[string]bool // ids whose id or name device_exclude matches
}

// Devices returns a project's devices, read once per round for every
// collector that needs them.
func (r *Round) Devices(ctx context.Context, pid string) ([]trro.DeviceInfo, bool, error) {
	l := r.deviceList(ctx, pid)
	return l.list, l.truncated, l.err
}

func (r *Round) deviceList(ctx context.Context, pid string) *deviceList {
	r.mu.Lock()
	if r.devices == nil {
		r.devices = map[string]*deviceList{}
	}
	l := r.devices[pid]
	if l == nil {
		l = &deviceList{}
		r.devices[pid] = l
	}
	r.mu.Unlock()
	l.once.Do(func() {
		l.list, l.truncated, l.err = r.lister.list(ctx, r.API, pid)
		if re := r.filters.devices; re != nil && l.err == nil {
			l.excluded = map[string]bool{}
			for _, d := range l.list {
				if re.MatchString(string(d.DeviceID)) || re.MatchString(string(d.DeviceName)) {
					l.excluded[string(d.DeviceID)] = true
				}
			}
		}
	})
	return l
}

// excludedDevices returns a test of a project's device ids against
// device_exclude (nil when unset). Names are matched through the project's
// device list: when it cannot be read, the project fails rather than show
// devices meant to be left out.
func (r *Round) excludedDevices(ctx context.Context, pid string) (func(id string) bool, error) {
	re := r.filters.devices
	if re == nil {
		return nil, nil
	}
	l := r.deviceList(ctx, pid)
	if l.err != nil {
		return nil, l.err
	}
	return func(id string) bool { return l.excluded[id] || re.MatchString(id) }, nil
}

// withoutDevices drops the items whose devices are excluded.
func withoutDevices[T any](items []T, excluded func(string) bool, ids func(*T) []trro.Text) []T {
	if excluded == nil {
		return items
	}
	out := make([]T, 0, len(items))
	for i := range items {
		keep := true
		for _, id := range ids(&items[i]) {
			if id != "" && excluded(string(id)) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, items[i])
		}
	}
	return out
}

// deviceFilterDemand is the device lists device_exclude reads, shared with
// device_status.
func deviceFilterDemand(f plan.Fleet, s Sizing) []plan.Demand {
	if !s.DeviceFilter {
		return nil
	}
	return []plan.Demand{{Action: trro.ActionDescribeDeviceList, Calls: plan.SumPages(f.Devices, s.PageSize, s.MaxDevicesPerProject), Shared: true}}
}
