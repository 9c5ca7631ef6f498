package standin

import (
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
	pid, start, end, err := c.projectWindow()
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
	pid, num, size, start, end, err := c.projectPageWindow()
	if err != nil {
		return nil, err
	}
	// The window is at most the last two hours; the API clamps.
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
	pid, num, size, start, end, err := c.projectPageWindow()
	if err != nil {
		return nil, err
	}
	var all []sessionRow
	for _, s := range c.sessions(pid, func(s Session) bool { return s.EndTime >= start && s.EndTime <= end && s.EndTime <= c.now.Unix() }) {
		all = append(all, sessionRow{s.ID, s.RemoteDeviceID, s.FieldDeviceID, s.Resolution, s.StartTime, s.EndTime, s.Quality})
	}
	return describeList(c, "DeviceSessionList", all, num, size), nil
}
