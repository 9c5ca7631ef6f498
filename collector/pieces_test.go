package collector

import (
	"bytes"
	"maps"
	"testing"

	"github.com/trro-exporter/trro_exporter/trro"
)

func bucket(start int64) trro.SessionIntervalStatistic {
	return trro.SessionIntervalStatistic{StartTime: trro.IntOf(start)}
}

func TestPickWindows(t *testing.T) {
	const now = 1000
	cases := []struct {
		name      string
		starts    []int64 // -1: StartTime missing
		cur, prev int64   // 0: none
	}{
		{"empty", nil, 0, 0},
		{"one past", []int64{900}, 900, 0},
		{"in order", []int64{700, 800, 900}, 900, 800},
		{"out of order", []int64{900, 700, 800}, 900, 800},
		{"future skipped", []int64{800, 900, 1100}, 900, 800},
		{"starts exactly now", []int64{900, 1000}, 1000, 900},
		{"missing start skipped", []int64{-1, 800, -1}, 800, 0},
		{"repeated bucket", []int64{900, 900, 800}, 900, 800},
		{"only future", []int64{1001, 2000}, 0, 0},
	}
	for _, c := range cases {
		var stats []trro.SessionIntervalStatistic
		for _, s := range c.starts {
			b := bucket(s)
			if s < 0 {
				b.StartTime = trro.Int{}
			}
			stats = append(stats, b)
		}
		cur, prev := pickWindows(stats, now)
		got := func(b *trro.SessionIntervalStatistic) int64 {
			if b == nil {
				return 0
			}
			return b.StartTime.Value
		}
		if got(cur) != c.cur || got(prev) != c.prev {
			t.Errorf("%s: current %d, previous %d; want %d, %d", c.name, got(cur), got(prev), c.cur, c.prev)
		}
	}
}

func TestGroupKey(t *testing.T) {
	base := trro.License{Count: trro.IntOf(2), Status: trro.IntOf(1), ExpireTime: trro.IntOf(1800000000),
		Duration: trro.IntOf(86400), RemainDay: trro.IntOf(30), LicenseIDs: []trro.Text{"a", "b"}}
	same := base
	same.LicenseIDs = []trro.Text{"b", "a"} // order of ids does not matter
	if groupKey(base) != groupKey(same) {
		t.Error("the same group in another id order has another key")
	}
	for name, change := range map[string]func(*trro.License){
		"count":      func(l *trro.License) { l.Count = trro.IntOf(3) },
		"status":     func(l *trro.License) { l.Status = trro.IntOf(0) },
		"expiry":     func(l *trro.License) { l.ExpireTime = trro.IntOf(1) },
		"duration":   func(l *trro.License) { l.Duration = trro.Int{} },
		"remain":     func(l *trro.License) { l.RemainDay = trro.IntOf(0) }, // 0 is not missing
		"ids":        func(l *trro.License) { l.LicenseIDs = []trro.Text{"a"} },
		"id joining": func(l *trro.License) { l.LicenseIDs = []trro.Text{"a,b"} },
	} {
		other := base
		other.LicenseIDs = append([]trro.Text(nil), base.LicenseIDs...)
		change(&other)
		if groupKey(other) == groupKey(base) {
			t.Errorf("%s: a different group has the same key %q", name, groupKey(base))
		}
	}
}

func TestStatusIndex(t *testing.T) {
	for _, c := range []struct {
		in   trro.Int
		want string
	}{
		{trro.IntOf(0), "unbound"}, {trro.IntOf(1), "bound"}, {trro.IntOf(2), "suspended"}, {trro.IntOf(3), "refunded"},
		{trro.IntOf(4), "unknown"}, {trro.IntOf(-1), "unknown"}, {trro.Int{}, "unknown"}, {trro.IntOf(1 << 40), "unknown"},
	} {
		if got := statusName(c.in); got != c.want {
			t.Errorf("status %+v: %s, want %s", c.in, got, c.want)
		}
	}
}

// The device status state set: one series per known status, an unknown one
// sets them all to 0.
func TestDeviceStatusStateSet(t *testing.T) {
	d := newDeviceStatus(1, shared{})
	res := deviceStatusResult{&deviceRows[deviceStatusRow]{
		projects: []string{"p"},
		rows:     [][]deviceStatusRow{{{id: "a", status: "ready"}, {id: "b", status: "rebooting"}, {id: "c", status: "connected"}}},
	}, d}
	var b bytes.Buffer
	s := newTextSink(&b)
	res.Write(s)
	s.Flush()
	for _, want := range []string{
		`trro_device_status{device_id="a",project_id="p",status="ready"} 1`,
		`trro_device_status{device_id="a",project_id="p",status="offline"} 0`,
		`trro_device_status{device_id="b",project_id="p",status="offline"} 0`,
		`trro_device_status{device_id="b",project_id="p",status="ready"} 0`,
		`trro_device_status{device_id="b",project_id="p",status="connected"} 0`,
		`trro_device_status{device_id="c",project_id="p",status="connected"} 1`,
	} {
		if !bytes.Contains(b.Bytes(), []byte(want+"\n")) {
			t.Errorf("missing %s in\n%s", want, b.String())
		}
	}
	if n := bytes.Count(b.Bytes(), []byte("trro_device_status{")); n != 9 {
		t.Errorf("%d status series, want 3 devices × 3 states", n)
	}
	if bytes.Contains(b.Bytes(), []byte("rebooting")) {
		t.Error("an undocumented status became a label value")
	}
}

func TestQualityCounts(t *testing.T) {
	s := func(id, q string, start, end int64) trro.DeviceSession {
		return trro.DeviceSession{SessionID: trro.Text(id), Quality: trro.Text(q), StartTime: trro.IntOf(start), EndTime: trro.IntOf(end)}
	}
	list := []trro.DeviceSession{
		s("1", "good", 100, 160), s("1", "good", 100, 160), // listed twice
		s("2", "bad", 200, 230), s("3", "excellent", 300, 310),
		s("4", "good", 0, 50),                                       // ended before the window
		s("5", "normal", 900, 1200),                                 // ends after the window
		{SessionID: "6", Quality: "good", EndTime: trro.IntOf(400)}, // no start: counted, no duration
		s("", "good", 100, 200),                                     // no id
	}
	c := countQuality(list, 60, 1000)
	if !maps.Equal(c.count, map[string]float64{"good": 2, "bad": 1, "unknown": 1}) ||
		!maps.Equal(c.secs, map[string]float64{"good": 60, "bad": 30, "unknown": 10}) || !c.ok {
		t.Errorf("counts %v, seconds %v", c.count, c.secs)
	}
}

func TestCountRecent(t *testing.T) {
	r := func(id string, latest trro.Int) trro.RecentSession {
		return trro.RecentSession{SessionID: trro.Text(id), LatestUpdateTime: latest}
	}
	c := countRecent([]trro.RecentSession{
		r("a", trro.IntOf(990)), r("a", trro.IntOf(990)), r("b", trro.IntOf(500)), r("c", trro.Int{}), r("", trro.IntOf(999)),
	}, 900)
	if c.recent != 3 || c.active != 1 {
		t.Errorf("recent %d, active %d; want 3, 1", c.recent, c.active)
	}
}

func TestUniqueRows(t *testing.T) {
	type item struct{ id, v string }
	rows := uniqueRows([]item{{"a", "1"}, {"", "x"}, {"b", "2"}, {"a", "3"}},
		func(i *item) string { return i.id }, func(i *item) string { return i.v })
	if len(rows) != 2 || rows[0] != "1" || rows[1] != "2" {
		t.Errorf("rows %v, want the first of each id", rows)
	}
}

// Each field's conversion to base units, through the real field lists.
func TestFieldConversions(t *testing.T) {
	d := newDevices(1, shared{})
	dev := trro.DeviceLicense{LicenseCount: trro.IntOf(2), ExpireTime: trro.IntOf(1800000000), RemainDay: trro.IntOf(3),
		MonthlyRemainTime: trro.IntOf(10), LimitedTime: trro.IntOf(600)}
	noExpiry := dev
	noExpiry.ExpireTime = trro.IntOf(0)
	sess := newSessions([]string{"hour"}, newDrops())
	b := trro.SessionIntervalStatistic{SessionNum: trro.IntOf(4), TotalDuration: trro.IntOf(30), NotBadSessionRatio: trro.IntOf(57),
		StartTime: trro.IntOf(1795687200), ActiveFieldDeviceNum: trro.IntOf(2), ActiveRemoteDeviceNum: trro.Int{}}
	empty := b
	empty.SessionNum = trro.IntOf(0)
	want := map[string]string{}
	got := map[string]string{}
	sample := func(name string, v float64, ok bool) {
		if ok {
			got[name] = string(appendValue(nil, v))
		} else {
			got[name] = "absent"
		}
	}
	for _, f := range d.fields {
		v := f.read(&dev)
		sample(f.fam.name, f.conv(v.Value), v.Valid)
		v = f.read(&noExpiry)
		sample(f.fam.name+" no expiry", f.conv(v.Value), v.Valid)
	}
	for _, f := range sess.fields {
		v := f.read(&b)
		sample(f.fam.name, f.conv(v.Value), v.Valid)
		v = f.read(&empty)
		sample(f.fam.name+" no sessions", f.conv(v.Value), v.Valid)
	}
	for k, v := range map[string]string{
		"trro_device_licenses": "2", "trro_device_license_expiry_timestamp_seconds": "1800000000",
		"trro_device_license_remaining_seconds": "259200", "trro_device_monthly_remaining_seconds": "600",
		"trro_device_monthly_limit_seconds":                      "36000",
		"trro_device_license_expiry_timestamp_seconds no expiry": "absent", "trro_device_license_remaining_seconds no expiry": "absent",
		"trro_device_licenses no expiry": "2",
		"trro_sessions":                  "4", "trro_session_duration_seconds": "1800", "trro_session_not_bad_ratio": "0.57",
		"trro_session_interval_start_timestamp_seconds": "1795687200", "trro_active_field_devices": "2",
		"trro_active_remote_devices": "absent", "trro_session_not_bad_ratio no sessions": "absent", "trro_sessions no sessions": "0",
	} {
		want[k] = v
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %s, want %s", k, got[k], w)
		}
	}
}
