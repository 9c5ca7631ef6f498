package standin

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

type actionContext struct {
	srv   *Server
	fleet *Fleet
	p     *reqParams
	now   time.Time
	fault *Fault
}

type handler func(c *actionContext) (any, *apiError)

var actions = map[string]handler{
	"DescribeSessionStatisticsByInterval": describeSessionStatisticsByInterval,
	"DescribeSessionStatistics":           describeSessionStatistics,
	"GetLicenses":                         getLicenses,
	"GetDevices":                          getDevices,
	"GetLicenseStat":                      getLicenseStat,
	"GetDeviceLicense":                    getDeviceLicense,
	"DescribeProjectList":                 describeProjectList,
	"DescribeDeviceList":                  describeDeviceList,
	"DescribeRecentSessionList":           describeRecentSessionList,
	"DescribeDeviceSessionList":           describeDeviceSessionList,
	"DescribeDeviceSessionDetails":        describeDeviceSessionDetails,
	"GetTotalDuration":                    getTotalDuration,
}

func (c *actionContext) required(name string) (string, *apiError) {
	v, ok := c.p.str(name)
	if !ok || v == "" {
		return "", errf("MissingParameter", "The request is missing a required parameter `%s`.", name)
	}
	return v, nil
}

func (c *actionContext) project() (string, *apiError) {
	id, err := c.required("ProjectId")
	if err != nil {
		return "", err
	}
	for _, p := range c.fleet.Projects {
		if p.ID == id {
			return id, nil
		}
	}
	return "", errf("ResourceNotFound", "The project %q does not exist.", id)
}

// paging reads page number and size; required ones error when missing.
func (c *actionContext) paging(numName string, required bool, defSize int) (int, int, *apiError) {
	num, okNum, err := c.p.int(numName)
	if err != nil {
		return 0, 0, err
	}
	size, okSize, err := c.p.int("PageSize")
	if err != nil {
		return 0, 0, err
	}
	if required && !okNum {
		return 0, 0, errf("MissingParameter", "The request is missing a required parameter `%s`.", numName)
	}
	if required && !okSize {
		return 0, 0, errf("MissingParameter", "The request is missing a required parameter `PageSize`.")
	}
	if !okNum {
		num = 1
	}
	if !okSize || size == 0 {
		size = int64(defSize)
	}
	if num < 1 || size < 1 {
		return 0, 0, errf("InvalidParameterValue", "`%s` and `PageSize` must be positive.", numName)
	}
	maxSize := int64(c.srv.MaxPageSize)
	if maxSize <= 0 {
		maxSize = 100
	}
	return int(num), int(min(size, maxSize)), nil
}

func pageOf[T any](items []T, num, size int) []T {
	start := (num - 1) * size
	if start >= len(items) {
		return []T{}
	}
	return items[start:min(start+size, len(items))]
}

// describeList is the answer of a Describe*List action: a page, the total
// and the page's item count.
func describeList[T any](c *actionContext, field string, all []T, num, size int) map[string]any {
	page := pageOf(all, num, size)
	return map[string]any{field: page, "Total": c.total(len(all)), "Num": len(page)}
}

// projectPage reads the ProjectId and PageNumber/PageSize of a per-project list.
func (c *actionContext) projectPage(pageRequired bool) (string, int, int, *apiError) {
	pid, err := c.project()
	if err != nil {
		return "", 0, 0, err
	}
	num, size, err := c.paging("PageNumber", pageRequired, 10)
	return pid, num, size, err
}

func (c *actionContext) total(n int) any {
	switch {
	case c.fault != nil && c.fault.Kind == FaultTotal:
		return n + c.fault.Delta
	case c.fault != nil && c.fault.Kind == FaultTotalRaw:
		return json.RawMessage(c.fault.Raw)
	}
	return n
}

func (c *actionContext) timeRange() (int64, int64, *apiError) {
	start, _, err := c.p.int("StartTime")
	if err != nil {
		return 0, 0, err
	}
	end, okEnd, err := c.p.int("EndTime")
	if err != nil {
		return 0, 0, err
	}
	if !okEnd || end == 0 {
		end = c.now.Unix()
	}
	if start == 0 {
		start = end - 86400
	}
	if start > end {
		return 0, 0, errf("InvalidParameterValue", "StartTime must not be after EndTime.")
	}
	return start, end, nil
}

type statRow struct {
	ActiveFieldDeviceNum  int
	ActiveRemoteDeviceNum int
	SessionNum            int
	TotalDuration         int
	StartTime             int64
	EndTime               int64
	NotBadSessionRatio    int
}

func describeSessionStatisticsByInterval(c *actionContext) (any, *apiError) {
	pid, err := c.project()
	if err != nil {
		return nil, err
	}
	interval, err := c.required("StatisticInterval")
	if err != nil {
		return nil, err
	}
	if interval != "hour" && interval != "day" && interval != "month" {
		return nil, errf("InvalidParameterValue", "StatisticInterval must be one of hour, day, month.")
	}
	start, end, err := c.timeRange()
	if err != nil {
		return nil, err
	}
	rows := []statRow{}
	for _, b := range c.fleet.statsFor(pid, interval, start, end, c.now) {
		rows = append(rows, statRow{b.ActiveFieldDeviceNum, b.ActiveRemoteDeviceNum, b.SessionNum, b.TotalDuration, b.StartTime, b.EndTime, b.NotBadSessionRatio})
	}
	return map[string]any{"SessionStatistics": rows}, nil
}

func describeSessionStatistics(c *actionContext) (any, *apiError) {
	pid, err := c.project()
	if err != nil {
		return nil, err
	}
	start, end, err := c.timeRange()
	if err != nil {
		return nil, err
	}
	var n, dur, field, remote, notBad int
	for _, b := range c.fleet.statsFor(pid, "hour", start, end, c.now) {
		n += b.SessionNum
		dur += b.TotalDuration
		field = max(field, b.ActiveFieldDeviceNum)
		remote = max(remote, b.ActiveRemoteDeviceNum)
		notBad += b.SessionNum * b.NotBadSessionRatio
	}
	ratio := 0
	if n > 0 {
		ratio = notBad / n
	}
	return map[string]any{"SessionNum": n, "TotalDuration": dur, "ActiveFieldDeviceNum": field,
		"ActiveRemoteDeviceNum": remote, "NotBadSessionRatio": ratio}, nil
}

type licenseRow struct {
	Count      int
	Status     int
	ExpireTime string
	Duration   string
	RemainDay  int
	LicenseIds []string
}

func getLicenses(c *actionContext) (any, *apiError) {
	num, size, err := c.paging("PageNum", true, 10)
	if err != nil {
		return nil, err
	}
	var status *int64
	if v, ok, err := c.p.int("Status"); err != nil {
		return nil, err
	} else if ok {
		status = &v
	}
	var all []licenseRow
	for _, l := range c.fleet.Licenses {
		if status != nil && int64(l.Status) != *status {
			continue
		}
		all = append(all, licenseRow{l.Count, l.Status, strconv.FormatInt(l.ExpireTime, 10), strconv.FormatInt(l.Duration, 10), l.RemainDay, l.LicenseIDs})
	}
	return map[string]any{"Licenses": pageOf(all, num, size), "TotalCount": c.total(len(all))}, nil
}

type deviceLicenseRow struct {
	DeviceId          string
	DeviceName        string
	LicenseCount      int
	RemainDay         int
	ExpireTime        string
	Duration          string
	LicenseIds        []string
	MonthlyRemainTime int
	LimitedTime       int
}

func (c *actionContext) devices(projectID string) []Device {
	var out []Device
	for _, d := range c.fleet.Devices {
		if projectID == "" || d.ProjectID == projectID {
			out = append(out, d)
		}
	}
	return out
}

func getDevices(c *actionContext) (any, *apiError) {
	num, size, err := c.paging("PageNum", true, 10)
	if err != nil {
		return nil, err
	}
	pid, _ := c.p.str("ProjectId")
	did, _ := c.p.str("DeviceId")
	var all []deviceLicenseRow
	for _, d := range c.devices(pid) {
		if did != "" && d.ID != did {
			continue
		}
		all = append(all, deviceLicenseRow{d.ID, d.Name, d.LicenseCount, d.RemainDay, strconv.FormatInt(d.ExpireTime, 10),
			strconv.FormatInt(d.Duration, 10), d.LicenseIDs, d.MonthlyRemainTime, d.LimitedTime})
	}
	return map[string]any{"Devices": pageOf(all, num, size), "TotalCount": c.total(len(all))}, nil
}

func getLicenseStat(c *actionContext) (any, *apiError) {
	var valid, bound, unbound, expired, monthly int
	now := c.now.Unix()
	for _, l := range c.fleet.Licenses {
		switch {
		case l.ExpireTime <= now:
			expired += l.Count
		case l.Status == 1:
			bound += l.Count
			valid += l.Count
		case l.Status == 0:
			unbound += l.Count
			valid += l.Count
		}
	}
	for _, d := range c.fleet.Devices {
		if d.LimitedTime > 0 && d.MonthlyRemainTime <= 0 {
			monthly += d.LicenseCount
		}
	}
	return map[string]any{"Valid": valid, "Bound": bound, "UnBound": unbound, "Expire": expired, "MonthlyExpire": monthly}, nil
}

func getDeviceLicense(c *actionContext) (any, *apiError) {
	pid, err := c.project()
	if err != nil {
		return nil, err
	}
	did, err := c.required("DeviceId")
	if err != nil {
		return nil, err
	}
	for _, d := range c.devices(pid) {
		if d.ID == did {
			return map[string]any{"AvailableCount": d.LicenseCount}, nil
		}
	}
	return nil, errf("ResourceNotFound", "The device %q does not exist.", did)
}

type projectRow struct {
	ProjectId          string
	ProjectName        string
	ProjectDescription any // a string, or what Project.Raw says
	PolicyMode         string
	ModifyTime         any
}

func describeProjectList(c *actionContext) (any, *apiError) {
	num, size, err := c.paging("PageNumber", false, 10)
	if err != nil {
		return nil, err
	}
	var all []projectRow
	for _, p := range c.fleet.Projects {
		row := projectRow{p.ID, p.Name, p.Description, p.PolicyMode, p.ModifyTime}
		if p.NumericFields {
			// As an API that changed its mind about types would send them.
			row.ProjectDescription, row.ModifyTime = 42, 1661140800
		}
		all = append(all, row)
	}
	return describeList(c, "Projects", all, num, size), nil
}

type deviceInfoRow struct {
	DeviceId       string
	DeviceName     string
	DeviceStatus   string
	DeviceType     string
	ModifyTime     string
	LastReportTime string
	ProjectId      string
}

func describeDeviceList(c *actionContext) (any, *apiError) {
	pid, num, size, err := c.projectPage(false)
	if err != nil {
		return nil, err
	}
	typ, _ := c.p.str("DeviceType")
	status, _ := c.p.str("DeviceStatus")
	// Devices that log in without registration are listed only when
	// RegisterType is 1 (SDK v1.3.39 on).
	register, hasRegister, err := c.p.int("RegisterType")
	if err != nil {
		return nil, err
	}
	if hasRegister && (c.srv.RejectRegisterType || (register != 0 && register != 1)) {
		return nil, errf("InvalidParameterValue.RegisterType", "The value of parameter `RegisterType` is not supported.")
	}
	var all []deviceInfoRow
	for _, d := range c.devices(pid) {
		if (typ != "" && d.Type != typ) || (status != "" && d.Status != status && !(status == "online" && d.Status != "offline")) {
			continue
		}
		if d.Unregistered && register != 1 {
			continue
		}
		all = append(all, deviceInfoRow{d.ID, d.Name, d.Status, d.Type, d.ModifyTime, d.LastReportTime, d.ProjectID})
	}
	return describeList(c, "Devices", all, num, size), nil
}

func (c *actionContext) sessions(pid string, keep func(Session) bool) []Session {
	did, _ := c.p.str("DeviceId")
	var out []Session
	for _, s := range c.fleet.Sessions {
		if s.ProjectID == pid && (did == "" || s.FieldDeviceID == did || s.RemoteDeviceID == did) && keep(s) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Session) int { return int(b.StartTime - a.StartTime) })
	return out
}

type recentRow struct {
	SessionId        string
	RemoteDeviceId   string
	FieldDeviceId    string
	Resolution       string
	StartTime        int64
	LatestUpdateTime int64
}

func describeRecentSessionList(c *actionContext) (any, *apiError) {
	pid, num, size, err := c.projectPage(true)
	if err != nil {
		return nil, err
	}
	// The window is at most the last two hours; the API clamps.
	start, end, err := c.timeRange()
	if err != nil {
		return nil, err
	}
	now := c.now.Unix()
	start, end = max(start, now-7200), min(end, now)
	// A session planned to end later is still going: it updates now.
	latest := func(s Session) int64 {
		if s.EndTime > now && s.StartTime <= now {
			return now
		}
		return s.LatestUpdateTime
	}
	var all []recentRow
	for _, s := range c.sessions(pid, func(s Session) bool { return latest(s) >= start && s.StartTime <= end }) {
		all = append(all, recentRow{s.ID, s.RemoteDeviceID, s.FieldDeviceID, s.Resolution, s.StartTime, latest(s)})
	}
	return describeList(c, "RecentSessionList", all, num, size), nil
}

type sessionRow struct {
	SessionId      string
	RemoteDeviceId string
	FieldDeviceId  string
	Resolution     string
	StartTime      int64
	EndTime        int64
	Quality        string
}

func describeDeviceSessionList(c *actionContext) (any, *apiError) {
	pid, num, size, err := c.projectPage(true)
	if err != nil {
		return nil, err
	}
	start, end, err := c.timeRange()
	if err != nil {
		return nil, err
	}
	var all []sessionRow
	for _, s := range c.sessions(pid, func(s Session) bool { return s.EndTime >= start && s.EndTime <= end && s.EndTime <= c.now.Unix() }) {
		all = append(all, sessionRow{s.ID, s.RemoteDeviceID, s.FieldDeviceID, s.Resolution, s.StartTime, s.EndTime, s.Quality})
	}
	return describeList(c, "DeviceSessionList", all, num, size), nil
}
