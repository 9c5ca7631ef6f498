package standin

import (
	"fmt"
	"hash/fnv"
	"time"
)

// Fleet is the account the stand-in serves. Tests build one by hand for
// exact values; Generate builds a realistic one.
type Fleet struct {
	Projects []Project
	Devices  []Device
	Licenses []LicenseGroup
	Sessions []Session
	// Stats, when it has an entry for a project and interval, is served as
	// is; otherwise buckets are synthesised deterministically around now.
	Stats map[string]map[string][]Bucket
}

// Project is a TRRO project.
type Project struct {
	ID, Name, Description, PolicyMode, ModifyTime string
}

// Device is a field or remote device with its status and license binding.
type Device struct {
	ProjectID, ID, Name string
	Type                string // field or remote
	Status              string // offline, ready or connected
	LastReportTime      string
	ModifyTime          string
	LicenseCount        int
	ExpireTime          int64
	Duration            int64
	RemainDay           int
	LicenseIDs          []string
	MonthlyRemainTime   int // minutes
	LimitedTime         int // minutes
	// Unregistered devices log in without registration (免注册登录):
	// DescribeDeviceList lists them only with RegisterType 1.
	Unregistered bool
}

// LicenseGroup is one item of GetLicenses.
type LicenseGroup struct {
	Count      int
	Status     int // 0 unbound, 1 bound, 2 suspended, 3 refunded
	ExpireTime int64
	Duration   int64
	RemainDay  int
	LicenseIDs []string
}

// Session is a teleoperation session.
type Session struct {
	ID, ProjectID, RemoteDeviceID, FieldDeviceID, Resolution string
	StartTime, EndTime, LatestUpdateTime                     int64
	Quality                                                  string // good, normal, bad
}

// Bucket is one row of DescribeSessionStatisticsByInterval.
type Bucket struct {
	StartTime, EndTime                          int64
	SessionNum, TotalDuration                   int
	ActiveFieldDeviceNum, ActiveRemoteDeviceNum int
	NotBadSessionRatio                          int
}

// Spec sizes a generated fleet.
type Spec struct {
	Projects          int
	DevicesPerProject int
	LicenseGroups     int
	SessionsPerDevice int
	// LiveSessions, when above 0, is how many sessions are live: that many
	// of the sessions going on at generation go on for another hour, the
	// others are left out (benchmarks size the session_details work with
	// it), and so are those that ended in the last five minutes (they would
	// still count as live).
	LiveSessions int
}

// DefaultSpec is the demo fleet: three projects, a few devices each.
var DefaultSpec = Spec{Projects: 3, DevicesPerProject: 6, LicenseGroups: 0, SessionsPerDevice: 4}

var demoProjects = []Project{
	{ID: "mine7x2k9q4p1d0a", Name: "露天矿远程挖掘", Description: "Open-pit mine, remote excavators", PolicyMode: "white"},
	{ID: "port3c8v5n6m2b1e", Name: "Harbour cranes", Description: "Container terminal cranes", PolicyMode: "black"},
	{ID: "robo9w4r7t1y5u3i", Name: "Warehouse robots", Description: "Inspection robots", PolicyMode: "black"},
}

// China Standard Time: day and month buckets start at local midnight.
var cst = time.FixedZone("CST", 8*3600)

// Generate builds a deterministic fleet around now.
func Generate(spec Spec, now time.Time) *Fleet {
	f := &Fleet{}
	day := int64(86400)
	t := now.Unix()
	for i := 0; i < spec.Projects; i++ {
		var p Project
		if i < len(demoProjects) {
			p = demoProjects[i]
		} else {
			p = Project{ID: fmt.Sprintf("proj%012d", i), Name: fmt.Sprintf("Site %d", i), PolicyMode: "black"}
		}
		p.ModifyTime = now.Add(-time.Duration(i+1) * 240 * time.Hour).UTC().Format(time.RFC3339)
		f.Projects = append(f.Projects, p)
		prefix := p.ID[:4]
		if i >= len(demoProjects) {
			prefix = p.ID
		}
		for d := 0; d < spec.DevicesPerProject; d++ {
			h := hash(p.ID, fmt.Sprint(d))
			typ := "field"
			if d%3 == 2 {
				typ = "remote"
			}
			status := []string{"connected", "ready", "offline", "ready"}[h%4]
			remain := 3 + int(h%400)
			dev := Device{
				ProjectID: p.ID, ID: fmt.Sprintf("%s-%s-%02d", prefix, typ, d),
				Name: fmt.Sprintf("%s %s %d", p.Name, typ, d), Type: typ, Status: status,
				LastReportTime: reportTime(d, time.Unix(t-int64(h%600), 0)),
				ModifyTime:     now.Add(-72 * time.Hour).In(cst).Format("2006-01-02 15:04:05"),
				LicenseCount:   1, RemainDay: remain, ExpireTime: t + int64(remain)*day, Duration: 365 * day,
				LicenseIDs:        []string{fmt.Sprintf("lic-%s-%02d", prefix, d)},
				LimitedTime:       6000,
				MonthlyRemainTime: int(h % 6000),
			}
			f.Devices = append(f.Devices, dev)
			if typ != "field" {
				continue
			}
			for s := 0; s < spec.SessionsPerDevice; s++ {
				hs := hash(dev.ID, fmt.Sprint(s))
				start := t - int64(s)*5400 - int64(hs%1800)
				end := start + 300 + int64(hs%1500)
				quality := []string{"good", "good", "normal", "bad"}[hs%4]
				f.Sessions = append(f.Sessions, Session{
					ID: fmt.Sprintf("sess-%s-%d", dev.ID, s), ProjectID: p.ID,
					RemoteDeviceID: fmt.Sprintf("%s-remote-%02d", prefix, 2), FieldDeviceID: dev.ID,
					Resolution: "1920*1080", StartTime: start, EndTime: end,
					LatestUpdateTime: min(end, t), Quality: quality,
				})
			}
		}
	}
	groups := []LicenseGroup{
		{Status: 1, RemainDay: 5, LicenseIDs: []string{"lic-bound-critical-1", "lic-bound-critical-2"}},
		{Status: 1, RemainDay: 20, LicenseIDs: []string{"lic-bound-warning-1"}},
		{Status: 1, RemainDay: 200, LicenseIDs: []string{"lic-bound-ok-1", "lic-bound-ok-2", "lic-bound-ok-3"}},
		{Status: 0, RemainDay: 10, LicenseIDs: []string{"lic-unbound-soon-1"}},
		{Status: 0, RemainDay: 90, LicenseIDs: []string{"lic-unbound-1", "lic-unbound-2"}},
		{Status: 2, RemainDay: 40, LicenseIDs: []string{"lic-suspended-1"}},
		{Status: 3, RemainDay: 0, LicenseIDs: []string{"lic-refunded-1"}},
		// The API lists a license in more than one group at times.
		{Status: 1, RemainDay: 210, LicenseIDs: []string{"lic-bound-ok-3"}},
	}
	for i := len(groups); i < spec.LicenseGroups; i++ {
		groups = append(groups, LicenseGroup{Status: i % 4, RemainDay: i % 500, LicenseIDs: []string{fmt.Sprintf("lic-gen-%06d", i)}})
	}
	for _, g := range groups {
		g.Count = len(g.LicenseIDs)
		g.ExpireTime = t + int64(g.RemainDay)*day
		g.Duration = 365 * day
		f.Licenses = append(f.Licenses, g)
	}
	if spec.LiveSessions > 0 {
		live := 0
		kept := f.Sessions[:0]
		for _, s := range f.Sessions {
			if s.EndTime <= t && s.EndTime > t-300 {
				continue
			}
			if s.EndTime > t && s.StartTime <= t {
				if live == spec.LiveSessions {
					continue
				}
				s.EndTime, s.LatestUpdateTime = t+3600, t
				live++
			}
			kept = append(kept, s)
		}
		f.Sessions = kept
	}
	return f
}

func hash(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// BucketStart returns the start of the interval bucket holding t.
func BucketStart(interval string, t time.Time) time.Time {
	l := t.In(cst)
	switch interval {
	case "day":
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, cst)
	case "month":
		return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, cst)
	default:
		return t.Truncate(time.Hour)
	}
}

func nextBucket(interval string, t time.Time) time.Time {
	switch interval {
	case "day":
		return t.AddDate(0, 0, 1)
	case "month":
		return t.AddDate(0, 1, 0)
	default:
		return t.Add(time.Hour)
	}
}

// SynthBucket is the deterministic bucket the stand-in serves for a project
// when the fleet has no explicit statistics.
func SynthBucket(projectID, interval string, start time.Time) Bucket {
	end := nextBucket(interval, start)
	h := hash(projectID, interval, fmt.Sprint(start.Unix()))
	scale := map[string]int{"hour": 1, "day": 12, "month": 300}[interval]
	if scale == 0 {
		scale = 1
	}
	n := int(h%20) * scale
	b := Bucket{StartTime: start.Unix(), EndTime: end.Unix(), SessionNum: n}
	if n > 0 {
		b.TotalDuration = n * (5 + int(h>>8%40))
		b.ActiveFieldDeviceNum = 1 + int(h>>16%6)
		b.ActiveRemoteDeviceNum = 1 + int(h>>24%3)
		b.NotBadSessionRatio = 60 + int(h>>32%41)
	}
	return b
}

// statsFor returns the buckets of a project and interval overlapping
// [start, end], never beyond now.
func (f *Fleet) statsFor(projectID, interval string, start, end int64, now time.Time) []Bucket {
	if byInterval, ok := f.Stats[projectID]; ok {
		if buckets, ok := byInterval[interval]; ok {
			var out []Bucket
			for _, b := range buckets {
				if b.EndTime > start && b.StartTime <= end {
					out = append(out, b)
				}
			}
			return out
		}
	}
	if end > now.Unix() {
		end = now.Unix()
	}
	var out []Bucket
	for b := BucketStart(interval, time.Unix(start, 0)); b.Unix() <= end && len(out) < 2000; b = nextBucket(interval, b) {
		out = append(out, SynthBucket(projectID, interval, b))
	}
	return out
}

// reportTime writes a time in each of the forms the API is seen to use.
func reportTime(i int, t time.Time) string {
	switch i % 3 {
	case 0:
		return fmt.Sprint(t.Unix())
	case 1:
		return t.In(cst).Format(time.DateTime)
	default:
		return t.UTC().Format(time.RFC3339)
	}
}
