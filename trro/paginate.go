package trro

import (
	"context"
	"fmt"
)

// paginate fetches pages from 1 until the items collected reach the reported
// total, a page comes back empty, or maxPages is hit. The API's totals are
// not always right (its own example reports 3 for 2 items), so neither a
// short page nor a total is trusted alone. Any failed page fails the whole
// list: callers never see half a list.
func paginate[T any](ctx context.Context, action string, maxPages int, fetch func(ctx context.Context, page int) ([]T, Int, error)) ([]T, error) {
	var all []T
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, &Error{Action: action, Code: CodeInvalidResponse,
				Message: fmt.Sprintf("still more items after %d pages (reported total disagrees with the items)", maxPages)}
		}
		items, total, err := fetch(ctx, page)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) == 0 || !total.Valid || int64(len(all)) >= total.Value {
			return all, nil
		}
	}
}

// DescribeProjectList returns every project of the account.
func (c *Client) DescribeProjectList(ctx context.Context) ([]ProjectInfo, error) {
	return paginate(ctx, ActionDescribeProjectList, c.opts.MaxPages, func(ctx context.Context, page int) ([]ProjectInfo, Int, error) {
		var out describeProjectListResponse
		err := c.call(ctx, ActionDescribeProjectList, describeProjectListRequest{PageNumber: page, PageSize: c.opts.PageSize}, &out)
		return out.Projects, out.Total, err
	})
}

// GetLicenses returns every license group of the account.
func (c *Client) GetLicenses(ctx context.Context) ([]License, error) {
	return paginate(ctx, ActionGetLicenses, c.opts.MaxPages, func(ctx context.Context, page int) ([]License, Int, error) {
		var out getLicensesResponse
		err := c.call(ctx, ActionGetLicenses, getLicensesRequest{PageNum: page, PageSize: c.opts.PageSize}, &out)
		return out.Licenses, out.TotalCount, err
	})
}

// DescribeSessionStatisticsByInterval returns the session statistics of a
// project in buckets of interval ("hour", "day" or "month") that overlap
// [start, end] (Unix seconds).
func (c *Client) DescribeSessionStatisticsByInterval(ctx context.Context, projectID, interval string, start, end int64) ([]SessionIntervalStatistic, error) {
	var out describeSessionStatisticsByIntervalResponse
	err := c.call(ctx, ActionDescribeSessionStatisticsByInterval, describeSessionStatisticsByIntervalRequest{
		ProjectID: projectID, StatisticInterval: interval, StartTime: start, EndTime: end,
	}, &out)
	if err != nil {
		return nil, err
	}
	return out.SessionStatistics, nil
}
