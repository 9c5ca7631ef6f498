package standin

import (
	"fmt"
	"sync"
	"time"
)

// Simulation is a fleet that moves with the clock, for --demo: its
// projects, devices and licenses are those of Generate, and its sessions
// are events scheduled from the devices' ids and absolute time, so the same
// instant always gives the same answers and, as time passes, sessions start
// and end, and devices come online and go offline.
//
// Each remote console drives a group of field machines, one at a time: time
// is cut into slots of slotLength, a slot into one turn per machine of the
// group, and in most turns the console drives that machine for five minutes
// up to the rest of the turn. A live session therefore always joins a
// connected console to a connected machine, and no device is in two
// sessions at once.
type Simulation struct {
	base *Fleet

	mu   sync.Mutex
	at   int64 // the second of the last snapshot
	last *Fleet
}

const (
	slotLength = 90 * time.Minute
	// history is how far back sessions are scheduled: enough for the
	// previous month's statistics.
	history = 93 * 24 * time.Hour
)

// NewSimulation builds the moving fleet of spec (its sessions are the
// simulation's, not Generate's).
func NewSimulation(spec Spec, now time.Time) *Simulation {
	base := Generate(spec, now)
	base.Sessions = nil
	return &Simulation{base: base}
}

// At is the fleet as it stands at now.
func (s *Simulation) At(now time.Time) *Fleet {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last != nil && s.at == now.Unix() {
		return s.last
	}
	f := &Fleet{Projects: s.base.Projects, Licenses: s.base.Licenses}
	t := now.Unix()
	busy := map[string]Session{} // device → its live session
	for pi, p := range s.base.Projects {
		var fields, consoles []Device
		for _, d := range s.base.Devices {
			switch {
			case d.ProjectID != p.ID:
			case d.Type == "field":
				fields = append(fields, d)
			default:
				consoles = append(consoles, d)
			}
		}
		for ci, console := range consoles {
			var group []Device
			for fi, d := range fields {
				if fi%len(consoles) == ci {
					group = append(group, d)
				}
			}
			for _, sess := range schedule(p.ID, console, group, now, shifts[pi%len(shifts)], ci == 0) {
				f.Sessions = append(f.Sessions, sess)
				if sess.EndTime > t {
					busy[sess.FieldDeviceID], busy[sess.RemoteDeviceID] = sess, sess
				}
			}
		}
	}
	for _, d := range s.base.Devices {
		d.Status, d.LastReportTime = deviceState(d, busy, t)
		f.Devices = append(f.Devices, d)
	}
	s.at, s.last = t, f
	return f
}

// shift is how a project's first console works: without a break, so that
// the demo always has live sessions, each project showing one diagnosis.
type shift struct {
	quality    string // every session's grade ("": drawn)
	slowRender bool
}

// shifts are the first consoles' shifts, project by project: the mine
// drives well, the harbour's console renders slowly, the warehouse's link
// is congested.
var shifts = []shift{{}, {slowRender: true}, {quality: "bad"}}

// schedule lists the sessions console drives with group's machines from
// history ago up to now (a live one ends after now). A full-time console
// drives every turn, each session lasting the whole turn.
func schedule(projectID string, console Device, group []Device, now time.Time, sh shift, fullTime bool) []Session {
	if len(group) == 0 {
		return nil
	}
	turn := int64(slotLength.Seconds()) / int64(len(group))
	slot := int64(slotLength.Seconds())
	var out []Session
	for k := (now.Unix() - int64(history.Seconds())) / slot; k <= now.Unix()/slot; k++ {
		for j, d := range group {
			h := hash(console.ID, d.ID, fmt.Sprint(k))
			if h%10 >= 7 && !fullTime { // three turns in ten stay idle
				continue
			}
			start := k*slot + int64(j)*turn + int64(h>>8%60)
			length := 300 + int64(h>>16)%max(turn-360, 1)
			if fullTime {
				start, length = k*slot+int64(j)*turn, turn-6 // a pause shorter than the active-session window
			}
			if start > now.Unix() {
				continue
			}
			s := Session{
				ID: fmt.Sprintf("sess-%s-%d", d.ID, k), ProjectID: projectID,
				FieldDeviceID: d.ID, RemoteDeviceID: console.ID,
				Resolution: []string{"1920*1080", "1920*1080", "1280*720"}[h>>24%3],
				StartTime:  start, EndTime: start + length, LatestUpdateTime: min(start+length, now.Unix()),
				Quality: []string{"good", "good", "good", "good", "normal", "normal", "bad"}[h>>32%7],
			}
			if fullTime {
				s.SlowRender = sh.slowRender
				if sh.quality != "" {
					s.Quality = sh.quality
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// deviceState is a device's status and last report at t: connected while
// in a session; otherwise mostly ready, now and then offline for an hour.
func deviceState(d Device, busy map[string]Session, t int64) (status, lastReport string) {
	h := hash(d.ID, fmt.Sprint(t/3600))
	switch {
	case busy[d.ID].ID != "":
		return "connected", fmt.Sprint(t - int64(h%5))
	case h%5 == 0:
		return "offline", fmt.Sprint(t/3600*3600 - int64(h>>8%3600))
	}
	return "ready", fmt.Sprint(t - int64(h%60))
}
