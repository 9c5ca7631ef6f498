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
	// NumericFields sends ProjectDescription and ModifyTime as numbers.
	NumericFields bool
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
	// SlowRender: the console renders this session's video slowly.
	SlowRender bool
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
	bound := 0 // field devices so far
	for i := 0; i < spec.Projects; i++ {
		p := project(i, now)
		f.Projects = append(f.Projects, p)
		prefix := p.ID[:4]
		if i >= len(demoProjects) {
			prefix = p.ID
		}
		for d := 0; d < spec.DevicesPerProject; d++ {
			dev := device(p, prefix, d, now, &bound)
			f.Devices = append(f.Devices, dev)
			if dev.Type == "field" {
				f.addSessions(dev, prefix, spec.SessionsPerDevice, now.Unix())
			}
		}
	}
	f.addLicenses(spec.LicenseGroups, now.Unix())
	if spec.LiveSessions > 0 {
		f.capLive(spec.LiveSessions, now.Unix())
	}
	return f
}

const day = int64(86400)

// project is the fleet's i-th project: a demo one, then generated ones.
func project(i int, now time.Time) Project {
	var p Project
	if i < len(demoProjects) {
		p = demoProjects[i]
	} else {
		p = Project{ID: fmt.Sprintf("proj%012d", i), Name: fmt.Sprintf("Site %d", i), PolicyMode: "black"}
	}
	p.ModifyTime = now.Add(-time.Duration(i+1) * 240 * time.Hour).UTC().Format(time.RFC3339)
	return p
}

// device is project p's d-th device: every third a remote console, the
// others field machines; bound counts the field devices of the fleet so far.
func device(p Project, prefix string, d int, now time.Time, bound *int) Device {
	t := now.Unix()
	h := hash(p.ID, fmt.Sprint(d))
	typ := "field"
	if d%3 == 2 {
		typ = "remote"
	}
	dev := Device{
		ProjectID: p.ID, ID: fmt.Sprintf("%s-%s-%02d", prefix, typ, d),
		Name: fmt.Sprintf("%s %s %d", p.Name, typ, d), Type: typ, Status: []string{"connected", "ready", "offline", "ready"}[h%4],
		LastReportTime: reportTime(d, time.Unix(t-int64(h%600), 0)),
		ModifyTime:     now.Add(-72 * time.Hour).In(cst).Format("2006-01-02 15:04:05"),
	}
	// Licenses bind to the field devices, which stream; consoles hold none.
	// The first two field machines of the fleet carry the licenses that run
	// out soonest.
	if typ == "field" {
		remain, id := 3+int(h%400), fmt.Sprintf("lic-%s-%02d", prefix, d)
		switch *bound++; *bound {
		case 1:
			remain, id = 5, "lic-bound-critical-1"
		case 2:
			remain, id = 20, "lic-bound-warning-1"
		}
		dev.LicenseCount, dev.RemainDay, dev.ExpireTime, dev.Duration = 1, remain, t+int64(remain)*day, 365*day
		dev.LicenseIDs, dev.LimitedTime, dev.MonthlyRemainTime = []string{id}, 6000, int(h%6000)
	}
	return dev
}

// addSessions adds n sessions of field device dev, driven from its
// project's console 02, an hour and a half apart back from t.
func (f *Fleet) addSessions(dev Device, prefix string, n int, t int64) {
	for s := 0; s < n; s++ {
		hs := hash(dev.ID, fmt.Sprint(s))
		start := t - int64(s)*5400 - int64(hs%1800)
		end := start + 300 + int64(hs%1500)
		f.Sessions = append(f.Sessions, Session{
			ID: fmt.Sprintf("sess-%s-%d", dev.ID, s), ProjectID: dev.ProjectID,
			RemoteDeviceID: fmt.Sprintf("%s-remote-%02d", prefix, 2), FieldDeviceID: dev.ID,
			Resolution: "1920*1080", StartTime: start, EndTime: end,
			LatestUpdateTime: min(end, t), Quality: []string{"good", "good", "normal", "bad"}[hs%4],
			SlowRender: hs%4 < 2 && hs>>8%3 == 0,
		})
	}
}

// addLicenses lists every license GetDevices binds, and a few more that no
// device holds: unbound (one soon to expire unused), suspended, refunded;
// then generated ones up to n groups.
func (f *Fleet) addLicenses(n int, t int64) {
	var groups []LicenseGroup
	for _, d := range f.Devices {
		if len(d.LicenseIDs) > 0 {
			groups = append(groups, LicenseGroup{Status: 1, RemainDay: d.RemainDay, LicenseIDs: d.LicenseIDs})
		}
	}
	groups = append(groups,
		LicenseGroup{Status: 0, RemainDay: 10, LicenseIDs: []string{"lic-unbound-soon-1"}},
		LicenseGroup{Status: 0, RemainDay: 90, LicenseIDs: []string{"lic-unbound-1", "lic-unbound-2"}},
		LicenseGroup{Status: 2, RemainDay: 40, LicenseIDs: []string{"lic-suspended-1"}},
		LicenseGroup{Status: 3, RemainDay: 0, LicenseIDs: []string{"lic-refunded-1"}},
	)
	for i := len(groups); i < n; i++ {
		groups = append(groups, LicenseGroup{Status: i % 4, RemainDay: i % 500, LicenseIDs: []string{fmt.Sprintf("lic-gen-%06d", i)}})
	}
	for _, g := range groups {
		g.Count = len(g.LicenseIDs)
		g.ExpireTime = t + int64(g.RemainDay)*day
		g.Duration = 365 * day
		f.Licenses = append(f.Licenses, g)
	}
}

// capLive keeps exactly n sessions live at t (those running then, lasting
// another hour), dropping the rest of the running ones and those that
// ended in the last five minutes.
func (f *Fleet) capLive(n int, t int64) {
	live := 0
	kept := f.Sessions[:0]
	for _, s := range f.Sessions {
		if s.EndTime <= t && s.EndTime > t-300 {
			continue
		}
		if s.EndTime > t && s.StartTime <= t {
			if live == n {
				continue
			}
			s.EndTime, s.LatestUpdateTime = t+3600, t
			live++
		}
		kept = append(kept, s)
	}
	f.Sessions = kept
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

// BucketOf computes a project's statistics bucket [start, next start)
// from the fleet's sessions as of now: the sessions that overlap it, their
// minutes within it, the distinct devices they joined, and the share of
// them not graded bad. Nested buckets agree (a day holds at least what each
// of its hours holds), and no bucket holds more device-minutes than its
// field devices and its age allow, as long as a device's sessions do not
// overlap.
func (f *Fleet) BucketOf(projectID, interval string, start, now time.Time) Bucket {
	end := nextBucket(interval, start)
	b := Bucket{StartTime: start.Unix(), EndTime: end.Unix()}
	until := min(end.Unix(), now.Unix())
	field, remote := map[string]bool{}, map[string]bool{}
	var secs int64
	notBad, seen := 0, map[string]bool{}
	for _, s := range f.Sessions {
		sEnd := s.EndTime
		if sEnd == 0 || sEnd > now.Unix() {
			sEnd = now.Unix() // still going
		}
		d := min(sEnd, until) - max(s.StartTime, start.Unix())
		if s.ProjectID != projectID || d <= 0 || seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		b.SessionNum++
		secs += d
		field[s.FieldDeviceID], remote[s.RemoteDeviceID] = true, true
		if sessionQuality(s) != "bad" {
			notBad++
		}
	}
	b.TotalDuration = int(secs / 60)
	b.ActiveFieldDeviceNum, b.ActiveRemoteDeviceNum = len(field), len(remote)
	if b.SessionNum > 0 {
		b.NotBadSessionRatio = 100 * notBad / b.SessionNum
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
		out = append(out, f.BucketOf(projectID, interval, b, now))
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
