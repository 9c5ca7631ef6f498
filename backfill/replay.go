package backfill

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/trro"
)

// replay answers the live collectors' calls as the API would have at the
// step being replayed (its clock), from the history fetched of the API:
// the collectors then compute what they would have shown then, and the
// backfilled series are the live ones, label for label.
type replay struct {
	h   *history
	now atomic.Int64 // the step, Unix seconds
	// sessionReach is how long before a step a session may have started and
	// still be running: the session lists are read that far ahead.
	sessionReach int64
}

var _ collector.API = (*replay)(nil)

var errNoHistory = errors.New("the API keeps no history of this: not backfilled")

func (r *replay) DescribeProjectList(ctx context.Context) ([]trro.ProjectInfo, bool, error) {
	p, err := r.h.projectList(ctx)
	return p, false, err
}

// DescribeSessionStatisticsByInterval answers the buckets of [start, end]
// as they stand now: final, except the bucket still filling at the step,
// whose figures the API no longer has (it answers them final today). That
// bucket comes with its times and null figures, so the collectors skip its
// values rather than show the final ones as what was seen then.
func (r *replay) DescribeSessionStatisticsByInterval(ctx context.Context, pid, iv string, start, end int64) ([]trro.SessionIntervalStatistic, error) {
	now := r.now.Load()
	end = min(end, now)
	bs, err := r.h.bucketsIn(ctx, pid, iv, start, end)
	for i := range bs {
		if b := bs[i]; b.EndTime.Valid && b.EndTime.Value > now {
			bs[i] = trro.SessionIntervalStatistic{StartTime: b.StartTime, EndTime: b.EndTime}
		}
	}
	return bs, err
}

// running are the project's sessions that overlap [start, end] at the
// step: started by then, and not ended before start.
func (r *replay) running(ctx context.Context, pid string, start, end int64) ([]trro.DeviceSession, error) {
	list, err := r.h.endedIn(ctx, pid, start, end+r.sessionReach)
	var out []trro.DeviceSession
	for _, s := range list {
		if s.StartTime.Valid && s.StartTime.Value <= end {
			out = append(out, s)
		}
	}
	return out, err
}

func (r *replay) DescribeRecentSessionList(ctx context.Context, pid string, start, end int64) ([]trro.RecentSession, bool, error) {
	now := r.now.Load()
	end = min(end, now)
	list, err := r.running(ctx, pid, start, end)
	out := make([]trro.RecentSession, 0, len(list))
	for _, s := range list {
		out = append(out, trro.RecentSession{SessionID: s.SessionID, RemoteDeviceID: s.RemoteDeviceID,
			FieldDeviceID: s.FieldDeviceID, Resolution: s.Resolution, StartTime: s.StartTime,
			LatestUpdateTime: trro.IntOf(min(s.EndTime.Value, now))})
	}
	return out, false, err
}

func (r *replay) DescribeDeviceSessionList(ctx context.Context, pid string, start, end int64) ([]trro.DeviceSession, bool, error) {
	list, err := r.h.endedIn(ctx, pid, start, min(end, r.now.Load()))
	return list, false, err
}

// DescribeDeviceSessionDetails answers every point of the session the API
// keeps, page after page in time order; the collector counts those up to
// the step and the rest at later steps, each once.
func (r *replay) DescribeDeviceSessionDetails(ctx context.Context, sid string, start, end int64) ([]trro.SessionDeviceDetail, error) {
	s, ok := r.h.sessionByID(sid)
	if !ok {
		return nil, &trro.Error{Action: trro.ActionDescribeDeviceSessionDetails, Code: "ResourceNotFound", Message: "not in the history read"}
	}
	d, err := r.h.detailsOf(ctx, s)
	if err != nil || d.Gone {
		return nil, err
	}
	var out []trro.SessionDeviceDetail
	for _, page := range d.Pages {
		out = append(out, page...)
	}
	return out, nil
}

func (r *replay) GetTotalDuration(ctx context.Context, pid string, start, end int64) (trro.TotalDuration, error) {
	return r.h.usageOf(ctx, pid, start, min(end, r.now.Load()))
}

func (r *replay) GetLicenses(context.Context) ([]trro.License, bool, error) {
	return nil, false, errNoHistory
}

func (r *replay) GetDevices(context.Context, string, int) ([]trro.DeviceLicense, bool, error) {
	return nil, false, errNoHistory
}

func (r *replay) DescribeDeviceList(context.Context, string, int, bool) ([]trro.DeviceInfo, bool, error) {
	return nil, false, errNoHistory
}

func (r *replay) GetLicenseStat(context.Context) (trro.LicenseStat, error) {
	return trro.LicenseStat{}, errNoHistory
}
