package collector

import (
	"context"
	"strings"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/trro-exporter/trro_exporter/trro"
)

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
