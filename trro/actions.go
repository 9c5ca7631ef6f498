package trro

import "context"

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
