package trro

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// window is how many pages of one list are asked for at once after the first
// page has told the total; it doubles after each window that came back full.
// It bounds the calls wasted when the total lies, while a long honest list
// needs only a few round trips beyond the rate limit's pace.
const window = 8

// paginate fetches every page of a list. Page 1 tells the total; the rest
// are fetched a window at a time, within the client's rate limit and
// concurrency. With a total above zero, paging ends when the items
// collected reach it or a page comes back empty, and fails past maxPages:
// the API's totals are not always right (its own example reports 3 for 2
// items), so neither a short page nor a total is trusted alone. A total
// that is missing, zero or negative while page 1 holds items is not
// trusted at all: paging goes on until a page is shorter than page 1 or
// empty, and a list still going at maxPages is returned cut short
// (truncated). Any failed page fails the whole list: callers never see half
// a list.
func paginate[T any](ctx context.Context, action string, pageSize, maxPages int, fetch func(ctx context.Context, page int) ([]T, Int, error)) ([]T, bool, error) {
	return paginateUpTo(ctx, action, pageSize, maxPages, 0, fetch)
}

// trusted reports whether a list's reported total can say when it ends.
func trusted(total Int) bool { return total.Valid && total.Value > 0 }

// paginateUpTo is paginate that stops once limit items are collected
// (0: no limit); truncated tells whether more were reported, or the list
// was cut short at maxPages.
func paginateUpTo[T any](ctx context.Context, action string, pageSize, maxPages, limit int, fetch func(ctx context.Context, page int) ([]T, Int, error)) (items []T, truncated bool, err error) {
	// A page holds at most the items asked for: more is no answer to
	// trust (and no list to keep in memory).
	fetch = checkedPages(action, pageSize, fetch)
	all, total, err := fetch(ctx, 1)
	if err != nil {
		return nil, false, err
	}
	pageLen := max(len(all), 1) // what a full page holds, as page 1 says
	last := len(all)            // the last page's length
	// Without a total, pages go one, then two, four… at a time: the waste
	// past the list's end stays small for short lists.
	next, w, u := 2, int64(window), int64(1)
	for {
		done := len(all) == 0 || last == 0
		if trusted(total) {
			done = done || int64(len(all)) >= total.Value
		} else {
			done = done || last < pageLen
		}
		if limit > 0 && (len(all) > limit || (len(all) == limit && !done)) {
			return all[:limit], true, nil
		}
		if done {
			return all, false, nil
		}
		if next > maxPages {
			if !trusted(total) {
				return all, true, nil
			}
			return nil, false, &Error{Action: action, Code: CodeInvalidResponse,
				Message: fmt.Sprintf("still more items after %d pages (reported total disagrees with the items)", maxPages)}
		}
		n := min(u, int64(maxPages-next+1))
		if trusted(total) {
			want := total.Value - int64(len(all))
			if limit > 0 {
				want = min(want, int64(limit-len(all)))
			}
			n = min(w, int64(maxPages-next+1), (want+int64(pageLen)-1)/int64(pageLen))
			w *= 2
		} else {
			u *= 2
		}
		pages, totals, err := fetchPages(ctx, next, int(max(n, 1)), fetch)
		if err != nil {
			return nil, false, err
		}
		next += len(pages)
		for i, p := range pages {
			if last = len(p); last == 0 || (!trusted(totals[i]) && last < pageLen) {
				// An empty page ends the list, whatever the total says; a
				// short one ends a list without a total.
				all = append(all, p...)
				total = totals[i]
				break
			}
			all = append(all, p...)
			total = totals[i]
		}
	}
}

// checkedPages wraps fetch to refuse a page of more than pageSize items.
func checkedPages[T any](action string, pageSize int, fetch func(ctx context.Context, page int) ([]T, Int, error)) func(ctx context.Context, page int) ([]T, Int, error) {
	return func(ctx context.Context, page int) ([]T, Int, error) {
		items, total, err := fetch(ctx, page)
		if err == nil && len(items) > pageSize {
			return nil, Int{}, &Error{Action: action, Code: CodeInvalidResponse,
				Message: fmt.Sprintf("page %d holds %d items, more than the %d asked for", page, len(items), pageSize)}
		}
		return items, total, err
	}
}

// fetchPages fetches pages first..first+n-1 at once, in order; the first
// error cancels the others and is the one returned.
func fetchPages[T any](ctx context.Context, first, n int, fetch func(ctx context.Context, page int) ([]T, Int, error)) ([][]T, []Int, error) {
	pages := make([][]T, n)
	totals := make([]Int, n)
	g, ctx := errgroup.WithContext(ctx)
	for i := range n {
		g.Go(func() (err error) {
			pages[i], totals[i], err = fetch(ctx, first+i)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return pages, totals, nil
}

// DescribeProjectList returns every project of the account; truncated
// tells a list cut short at max_pages.
func (c *Client) DescribeProjectList(ctx context.Context) (projects []ProjectInfo, truncated bool, err error) {
	return paginate(ctx, ActionDescribeProjectList, c.opts.PageSize, c.opts.MaxPages, func(ctx context.Context, page int) ([]ProjectInfo, Int, error) {
		out, err := call[describeProjectListResponse](ctx, c, ActionDescribeProjectList, describeProjectListRequest{PageNumber: page, PageSize: c.opts.PageSize})
		if err != nil {
			return nil, Int{}, err
		}
		return out.Projects, out.Total, nil
	})
}

// GetLicenses returns every license group of the account; truncated tells
// a list cut short at max_pages.
func (c *Client) GetLicenses(ctx context.Context) (licenses []License, truncated bool, err error) {
	return paginate(ctx, ActionGetLicenses, c.opts.PageSize, c.opts.MaxPages, func(ctx context.Context, page int) ([]License, Int, error) {
		out, err := call[getLicensesResponse](ctx, c, ActionGetLicenses, getLicensesRequest{PageNum: page, PageSize: c.opts.PageSize})
		if err != nil {
			return nil, Int{}, err
		}
		return out.Licenses, out.TotalCount, nil
	})
}

// DescribeSessionStatisticsByInterval returns the session statistics of a
// project in buckets of interval ("hour", "day" or "month") that overlap
// [start, end] (Unix seconds).
func (c *Client) DescribeSessionStatisticsByInterval(ctx context.Context, projectID, interval string, start, end int64) ([]SessionIntervalStatistic, error) {
	out, err := call[describeSessionStatisticsByIntervalResponse](ctx, c, ActionDescribeSessionStatisticsByInterval, describeSessionStatisticsByIntervalRequest{
		ProjectID: projectID, StatisticInterval: interval, StartTime: start, EndTime: end,
	})
	if err != nil {
		return nil, err
	}
	return out.SessionStatistics, nil
}

// GetDevices returns the license binding of a project's devices, at most
// limit of them (0: all); truncated tells whether there were more.
func (c *Client) GetDevices(ctx context.Context, projectID string, limit int) (devices []DeviceLicense, truncated bool, err error) {
	return paginateUpTo(ctx, ActionGetDevices, c.opts.PageSize, c.opts.MaxPages, limit, func(ctx context.Context, page int) ([]DeviceLicense, Int, error) {
		out, err := call[getDevicesResponse](ctx, c, ActionGetDevices, projectPageNumRequest{ProjectID: projectID, PageNum: page, PageSize: c.opts.PageSize})
		if err != nil {
			return nil, Int{}, err
		}
		return out.Devices, out.TotalCount, nil
	})
}

// DescribeDeviceList returns a project's devices with their live status, at
// most limit of them (0: all); unregistered asks for the devices that log in
// without registration too (RegisterType 1).
func (c *Client) DescribeDeviceList(ctx context.Context, projectID string, limit int, unregistered bool) (devices []DeviceInfo, truncated bool, err error) {
	req := describeDeviceListRequest{ProjectID: projectID, PageSize: c.opts.PageSize}
	if unregistered {
		req.RegisterType = 1
	}
	return paginateUpTo(ctx, ActionDescribeDeviceList, c.opts.PageSize, c.opts.MaxPages, limit, func(ctx context.Context, page int) ([]DeviceInfo, Int, error) {
		r := req // pages are fetched side by side
		r.PageNumber = page
		out, err := call[describeDeviceListResponse](ctx, c, ActionDescribeDeviceList, r)
		if err != nil {
			return nil, Int{}, err
		}
		return out.Devices, out.Total, nil
	})
}

// DescribeRecentSessionList returns a project's sessions active within
// [start, end]; the API clamps the window to the last two hours.
func (c *Client) DescribeRecentSessionList(ctx context.Context, projectID string, start, end int64) (sessions []RecentSession, truncated bool, err error) {
	return paginate(ctx, ActionDescribeRecentSessionList, c.opts.PageSize, c.opts.MaxPages, func(ctx context.Context, page int) ([]RecentSession, Int, error) {
		out, err := call[describeRecentSessionListResponse](ctx, c, ActionDescribeRecentSessionList, projectPageNumberRequest{ProjectID: projectID, PageNumber: page, PageSize: c.opts.PageSize, StartTime: start, EndTime: end})
		if err != nil {
			return nil, Int{}, err
		}
		return out.RecentSessionList, out.Total, nil
	})
}

// DescribeDeviceSessionList returns a project's sessions in [start, end]
// with their quality grade.
func (c *Client) DescribeDeviceSessionList(ctx context.Context, projectID string, start, end int64) (sessions []DeviceSession, truncated bool, err error) {
	return paginate(ctx, ActionDescribeDeviceSessionList, c.opts.PageSize, c.opts.MaxPages, func(ctx context.Context, page int) ([]DeviceSession, Int, error) {
		out, err := call[describeDeviceSessionListResponse](ctx, c, ActionDescribeDeviceSessionList, projectPageNumberRequest{ProjectID: projectID, PageNumber: page, PageSize: c.opts.PageSize, StartTime: start, EndTime: end})
		if err != nil {
			return nil, Int{}, err
		}
		return out.DeviceSessionList, out.Total, nil
	})
}

// GetLicenseStat returns the account-wide license counts.
func (c *Client) GetLicenseStat(ctx context.Context) (LicenseStat, error) {
	out, err := call[getLicenseStatResponse](ctx, c, ActionGetLicenseStat, struct{}{})
	if err != nil {
		return LicenseStat{}, err
	}
	return out.LicenseStat, nil
}

// GetTotalDuration returns a project's minutes of use by tier within
// [start, end] (Unix seconds).
func (c *Client) GetTotalDuration(ctx context.Context, projectID string, start, end int64) (TotalDuration, error) {
	out, err := call[getTotalDurationResponse](ctx, c, ActionGetTotalDuration, getTotalDurationRequest{ProjectID: projectID, StartTime: start, EndTime: end})
	if err != nil {
		return TotalDuration{}, err
	}
	return out.TotalDuration, nil
}

// Total asks a list action for its reported item count with a one-item
// page: the planner sizes a fleet with it. projectID, start and end apply
// where the action takes them.
func (c *Client) Total(ctx context.Context, action, projectID string, start, end int64) (int, error) {
	byNumber := projectPageNumberRequest{ProjectID: projectID, PageNumber: 1, PageSize: 1, StartTime: start, EndTime: end}
	var total Int
	var err error
	switch action {
	case ActionDescribeProjectList:
		total, err = totalOf(ctx, c, action, describeProjectListRequest{PageNumber: 1, PageSize: 1}, func(r *describeProjectListResponse) Int { return r.Total })
	case ActionGetLicenses:
		total, err = totalOf(ctx, c, action, getLicensesRequest{PageNum: 1, PageSize: 1}, func(r *getLicensesResponse) Int { return r.TotalCount })
	case ActionGetDevices:
		total, err = totalOf(ctx, c, action, projectPageNumRequest{ProjectID: projectID, PageNum: 1, PageSize: 1}, func(r *getDevicesResponse) Int { return r.TotalCount })
	case ActionDescribeDeviceList:
		total, err = totalOf(ctx, c, action, byNumber, func(r *describeDeviceListResponse) Int { return r.Total })
	case ActionDescribeRecentSessionList:
		total, err = totalOf(ctx, c, action, byNumber, func(r *describeRecentSessionListResponse) Int { return r.Total })
	case ActionDescribeDeviceSessionList:
		total, err = totalOf(ctx, c, action, byNumber, func(r *describeDeviceSessionListResponse) Int { return r.Total })
	default:
		return 0, fmt.Errorf("trro: %s is not a list action", action)
	}
	return int(total.Value), err
}

func totalOf[T any](ctx context.Context, c *Client, action string, req any, total func(*T) Int) (Int, error) {
	out, err := call[T](ctx, c, action, req)
	if err != nil {
		return Int{}, err
	}
	return total(out), nil
}
