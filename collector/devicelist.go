package collector

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/trro-exporter/trro_exporter/trro"
)

// deviceLister reads projects' device lists (DescribeDeviceList) for
// device_status and for device_exclude, which matches names. It outlives
// rounds: a project whose API refuses RegisterType by name is asked
// plainly, with a warning once, for refusalMemory; then RegisterType is
// tried again. A reload asks again at once (forget).
type deviceLister struct {
	limit        int
	unregistered bool
	logger       log.Logger
	plain        sync.Map // project id → when RegisterType was refused
}

// refusalMemory is how long a refusal of RegisterType is remembered: a
// transient refusal must not hide devices for good.
const refusalMemory = time.Hour

func (d *deviceLister) list(ctx context.Context, api API, pid string, now time.Time) ([]trro.DeviceInfo, bool, error) {
	plain := false
	if at, ok := d.plain.Load(pid); ok {
		plain = now.Sub(at.(time.Time)) < refusalMemory
	}
	devs, trunc, err := api.DescribeDeviceList(ctx, pid, d.limit, d.unregistered && !plain)
	if e, ok := trro.AsError(err); ok && d.unregistered && !plain && refusesRegisterType(e) {
		if _, seen := d.plain.Swap(pid, now); !seen {
			level.Warn(d.logger).Log("msg", "the API refuses RegisterType: devices that log in without registration are not listed for this project; asked again in an hour",
				"project_id", pid, "code", e.Code, "request_id", e.RequestID)
		}
		return api.DescribeDeviceList(ctx, pid, d.limit, false)
	}
	return devs, trunc, err
}

// forget drops every refusal remembered: the next lists ask RegisterType
// again.
func (d *deviceLister) forget() { d.plain.Clear() }

// refusesRegisterType tells a refusal of the RegisterType parameter
// itself from other invalid parameters (a project id, a page size).
func refusesRegisterType(e *trro.Error) bool {
	return strings.HasPrefix(e.Code, "InvalidParameter") && (strings.Contains(e.Code, "RegisterType") || strings.Contains(e.Message, "RegisterType"))
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
