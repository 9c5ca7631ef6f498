package trro

import (
	"context"
	"fmt"
)

// listRequest asks for one page of a list action; each action takes the
// fields it knows (the page number is PageNum for some, PageNumber for
// others).
type listRequest struct {
	ProjectID    string `json:"ProjectId,omitempty"`
	PageNumber   int    `json:"PageNumber,omitempty"`
	PageNum      int    `json:"PageNum,omitempty"`
	PageSize     int    `json:"PageSize"`
	StartTime    int64  `json:"StartTime,omitempty"`
	EndTime      int64  `json:"EndTime,omitempty"`
	RegisterType int    `json:"RegisterType,omitempty"`
}

// listAction is a paged list action: how it names the page number, and
// where its answer keeps the items and the reported total.
type listAction[Resp, Item any] struct {
	name    string
	pageNum bool // the page number is PageNum, else PageNumber
	items   func(*Resp) []Item
	total   func(*Resp) Int
}

// The list actions, one line each.
var (
	projectList = listAction[describeProjectListResponse, ProjectInfo]{ActionDescribeProjectList, false,
		func(r *describeProjectListResponse) []ProjectInfo { return r.Projects }, func(r *describeProjectListResponse) Int { return r.Total }}
	licenseList = listAction[getLicensesResponse, License]{ActionGetLicenses, true,
		func(r *getLicensesResponse) []License { return r.Licenses }, func(r *getLicensesResponse) Int { return r.TotalCount }}
	deviceLicenseList = listAction[getDevicesResponse, DeviceLicense]{ActionGetDevices, true,
		func(r *getDevicesResponse) []DeviceLicense { return r.Devices }, func(r *getDevicesResponse) Int { return r.TotalCount }}
	deviceList = listAction[describeDeviceListResponse, DeviceInfo]{ActionDescribeDeviceList, false,
		func(r *describeDeviceListResponse) []DeviceInfo { return r.Devices }, func(r *describeDeviceListResponse) Int { return r.Total }}
	recentSessionList = listAction[describeRecentSessionListResponse, RecentSession]{ActionDescribeRecentSessionList, false,
		func(r *describeRecentSessionListResponse) []RecentSession { return r.RecentSessionList }, func(r *describeRecentSessionListResponse) Int { return r.Total }}
	deviceSessionList = listAction[describeDeviceSessionListResponse, DeviceSession]{ActionDescribeDeviceSessionList, false,
		func(r *describeDeviceSessionListResponse) []DeviceSession { return r.DeviceSessionList }, func(r *describeDeviceSessionListResponse) Int { return r.Total }}
)

// page is req asking for page number n of size items.
func (a listAction[Resp, Item]) page(req listRequest, n, size int) listRequest {
	req.PageSize = size
	if a.pageNum {
		req.PageNum = n
	} else {
		req.PageNumber = n
	}
	return req
}

// fetch reads every page of the list req asks for, at most limit items
// (0: all); truncated tells a list cut short (see paginate).
func (a listAction[Resp, Item]) fetch(ctx context.Context, c *Client, req listRequest, limit int) (items []Item, truncated bool, err error) {
	return paginate(ctx, a.name, c.opts.PageSize, c.opts.MaxPages, limit, func(ctx context.Context, n int) ([]Item, Int, error) {
		out, err := call[Resp](ctx, c, a.name, a.page(req, n, c.opts.PageSize))
		if err != nil {
			return nil, Int{}, err
		}
		return a.items(out), a.total(out), nil
	})
}

// count asks for the list's reported total with a one-item page.
func (a listAction[Resp, Item]) count(ctx context.Context, c *Client, req listRequest) (Int, error) {
	out, err := call[Resp](ctx, c, a.name, a.page(req, 1, 1))
	if err != nil {
		return Int{}, err
	}
	return a.total(out), nil
}

// counters are the list actions' counts, by action name.
var counters = map[string]func(context.Context, *Client, listRequest) (Int, error){
	projectList.name: projectList.count, licenseList.name: licenseList.count,
	deviceLicenseList.name: deviceLicenseList.count, deviceList.name: deviceList.count,
	recentSessionList.name: recentSessionList.count, deviceSessionList.name: deviceSessionList.count,
}

// ListQuery is what a count of a list asks for; each field applies where
// the action takes it.
type ListQuery struct {
	ProjectID  string
	Start, End int64 // Unix seconds; 0: unset
	// Unregistered counts the devices that log in without registration
	// too (DescribeDeviceList RegisterType 1).
	Unregistered bool
}

// Total asks a list action for its reported item count with a one-item
// page: the planner sizes a fleet with it.
func (c *Client) Total(ctx context.Context, action string, q ListQuery) (int, error) {
	count, ok := counters[action]
	if !ok {
		return 0, fmt.Errorf("trro: %s is not a list action", action)
	}
	req := listRequest{ProjectID: q.ProjectID, StartTime: q.Start, EndTime: q.End}
	if q.Unregistered {
		req.RegisterType = 1
	}
	total, err := count(ctx, c, req)
	return int(total.Value), err
}

// DescribeProjectList returns every project of the account; truncated
// tells a list cut short at max_pages.
func (c *Client) DescribeProjectList(ctx context.Context) (projects []ProjectInfo, truncated bool, err error) {
	return projectList.fetch(ctx, c, listRequest{}, 0)
}

// GetLicenses returns every license group of the account; truncated tells
// a list cut short at max_pages.
func (c *Client) GetLicenses(ctx context.Context) (licenses []License, truncated bool, err error) {
	return licenseList.fetch(ctx, c, listRequest{}, 0)
}

// GetDevices returns the license binding of a project's devices, at most
// limit of them (0: all); truncated tells whether there were more.
func (c *Client) GetDevices(ctx context.Context, projectID string, limit int) (devices []DeviceLicense, truncated bool, err error) {
	return deviceLicenseList.fetch(ctx, c, listRequest{ProjectID: projectID}, limit)
}

// DescribeDeviceList returns a project's devices with their live status, at
// most limit of them (0: all); unregistered asks for the devices that log in
// without registration too (RegisterType 1).
func (c *Client) DescribeDeviceList(ctx context.Context, projectID string, limit int, unregistered bool) (devices []DeviceInfo, truncated bool, err error) {
	req := listRequest{ProjectID: projectID}
	if unregistered {
		req.RegisterType = 1
	}
	return deviceList.fetch(ctx, c, req, limit)
}

// DescribeRecentSessionList returns a project's sessions active within
// [start, end]; the API clamps the window to the last two hours.
func (c *Client) DescribeRecentSessionList(ctx context.Context, projectID string, start, end int64) (sessions []RecentSession, truncated bool, err error) {
	return recentSessionList.fetch(ctx, c, listRequest{ProjectID: projectID, StartTime: start, EndTime: end}, 0)
}

// DescribeDeviceSessionList returns a project's sessions in [start, end]
// with their quality grade.
func (c *Client) DescribeDeviceSessionList(ctx context.Context, projectID string, start, end int64) (sessions []DeviceSession, truncated bool, err error) {
	return deviceSessionList.fetch(ctx, c, listRequest{ProjectID: projectID, StartTime: start, EndTime: end}, 0)
}
