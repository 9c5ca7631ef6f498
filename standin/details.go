package standin

import (
	"fmt"
	"strconv"
)

func describeDeviceSessionDetails(c *actionContext) (any, *apiError) {
	sid, err := c.required("SessionId")
	if err != nil {
		return nil, err
	}
	start, _, err := c.p.int("StartTime")
	if err != nil {
		return nil, err
	}
	end, okEnd, err := c.p.int("EndTime")
	if err != nil {
		return nil, err
	}
	if !okEnd || end == 0 || end > c.now.Unix() {
		end = c.now.Unix()
	}
	if f := c.srv.detailsFunc(); f != nil {
		if details, ok := f(sid, start, end); ok {
			return map[string]any{"Details": details}, nil
		}
	}
	for _, s := range c.fleet.Sessions {
		if s.ID == sid {
			return map[string]any{"Details": sessionDetails(s, start, end, c.now.Unix())}, nil
		}
	}
	return nil, errf("ResourceNotFound", "The session %q does not exist.", sid)
}

// maxDetailPoints is the most points one answer holds.
const maxDetailPoints = 600

// sessionDetails are the per-second series of s's two devices for points
// within [start, end], as the API serves them: the window reaches a few
// seconds before start (answers overlap), a point is missing now and then
// and a value null; values follow the session's quality, and every third
// device has two network links.
func sessionDetails(s Session, start, end, now int64) []map[string]any {
	last := s.EndTime
	if last == 0 || last > now {
		last = now // live
	}
	from := max(s.StartTime, start-3)
	to := min(last, end)
	if to-from >= maxDetailPoints {
		to = from + maxDetailPoints - 1
	}
	quality := sessionQuality(s)
	var out []map[string]any
	for _, dev := range []struct{ typ, id string }{{"field", s.FieldDeviceID}, {"remote", s.RemoteDeviceID}} {
		var offsets []int64
		cols := map[string][]any{}
		multi := hash(dev.id, "multi")%3 == 0
		links := [2]map[string][]any{{}, {}}
		for t := from; t <= to; t++ {
			h := hash(s.ID, dev.typ, strconv.FormatInt(t, 10))
			if h%41 == 0 {
				continue // a second the device did not report
			}
			offsets = append(offsets, t-from)
			for k, v := range detailPoint(quality, h) {
				cols[k] = append(cols[k], v)
			}
			if h%29 == 0 {
				cols["VideoLatency"][len(cols["VideoLatency"])-1] = nil
			}
			for i := range links {
				lh := hash(s.ID, dev.id, strconv.Itoa(i), strconv.FormatInt(t, 10))
				p := detailPoint(quality, lh)
				links[i]["Rtt"] = append(links[i]["Rtt"], p["NetworkLatency"])
				links[i]["Lost"] = append(links[i]["Lost"], p["Lost"])
				links[i]["SendBps"] = append(links[i]["SendBps"], p["Rate"])
				links[i]["RecvBps"] = append(links[i]["RecvBps"], 64)
			}
		}
		d := map[string]any{"DeviceType": dev.typ, "DeviceId": dev.id, "ProjectId": s.ProjectID, "SessionId": s.ID,
			"StartTime": from, "EndTime": to, "TimeOffset": offsets, "MultiMode": 0, "MultiNet": nil}
		for k, v := range cols {
			d[k] = v
		}
		if multi {
			d["MultiMode"] = 1
			var nets []map[string]any
			for i, l := range links {
				nets = append(nets, map[string]any{"NetId": i + 1, "NetIp": fmt.Sprintf("10.%d.0.%d", i+1, hash(dev.id)%250+2),
					"Rtt": l["Rtt"], "Lost": l["Lost"], "SendBps": l["SendBps"], "RecvBps": l["RecvBps"]})
			}
			d["MultiNet"] = nets
		}
		out = append(out, d)
	}
	return out
}

// sessionQuality is s's grade, or for a live session (not graded yet) one
// drawn from its id: mostly good, some normal, a few bad.
func sessionQuality(s Session) string {
	if s.Quality != "" {
		return s.Quality
	}
	switch h := hash(s.ID, "quality") % 10; {
	case h < 7:
		return "good"
	case h < 9:
		return "normal"
	}
	return "bad"
}

// detailPoint is one second of a device's series for a session of the
// given quality, drawn from h.
func detailPoint(quality string, h uint64) map[string]any {
	r := func(shift, n uint64) int64 { return int64(h >> shift % n) }
	p := map[string]any{"CpuUsed": float64(20+r(40, 40)) + 0.5, "MemUsed": float64(30+r(44, 30)) + 0.25,
		"EncodeCost": 5 + r(48, 10), "DecodeCost": 3 + r(50, 8), "CaptureCost": 2 + r(52, 5), "RenderCost": 4 + r(54, 6)}
	var lag100, lag150 int64
	switch quality {
	case "bad":
		p["VideoLatency"], p["NetworkLatency"], p["ControlLatency"] = 180+r(0, 300), 120+r(8, 200), 140+r(16, 250)
		p["Lost"], p["Fps"], p["Rate"] = float64(3+r(24, 12))+0.5, 8+r(28, 12), 800+r(32, 1200)
		if r(36, 3) == 0 {
			lag100, lag150 = 300, 150
		}
	case "normal":
		p["VideoLatency"], p["NetworkLatency"], p["ControlLatency"] = 80+r(0, 90), 40+r(8, 60), 60+r(16, 90)
		p["Lost"], p["Fps"], p["Rate"] = float64(r(24, 20))/10+0.5, 20+r(28, 8), 1500+r(32, 1500)
		if r(36, 10) == 0 {
			lag100 = 200
		}
	default:
		p["VideoLatency"], p["NetworkLatency"], p["ControlLatency"] = 40+r(0, 50), 15+r(8, 30), 30+r(16, 40)
		p["Lost"], p["Fps"], p["Rate"] = float64(r(24, 5))/10, 25+r(28, 6), 2000+r(32, 2000)
		if r(36, 50) == 0 {
			lag100 = 120
		}
	}
	p["BitRateEstimate"] = p["Rate"]
	p["Lag100Duration"], p["Lag150Duration"] = lag100, lag150
	return p
}

// usageTiers maps a session's resolution to the GetTotalDuration field its
// minutes count in; other resolutions count as SD.
var usageTiers = map[string]string{
	"640*480": "SD", "960*540": "SD", "1280*720": "HD", "1920*1080": "FHD", "2560*1440": "TwoK", "3840*2160": "FourK",
}

// getTotalDuration answers the minutes of use of a project's sessions (of
// one device, if asked) within [StartTime, EndTime], by tier, as whole
// minutes; DeductDuration is their sum.
func getTotalDuration(c *actionContext) (any, *apiError) {
	pid, start, end, err := c.projectWindow()
	if err != nil {
		return nil, err
	}
	end = min(end, c.now.Unix())
	secs := map[string]int64{}
	seen := map[string]bool{}
	for _, s := range c.sessions(pid, func(Session) bool { return true }) {
		if seen[s.ID] {
			continue // listed twice in the fleet: one session
		}
		seen[s.ID] = true
		sEnd := s.EndTime
		if sEnd == 0 || sEnd > c.now.Unix() {
			sEnd = c.now.Unix() // live
		}
		if d := min(sEnd, end) - max(s.StartTime, start); d > 0 {
			tier, ok := usageTiers[s.Resolution]
			if !ok {
				tier = "SD"
			}
			secs[tier] += d
		}
	}
	out := map[string]any{}
	var total int64
	for _, tier := range []string{"Voice", "SD", "HD", "FHD", "TwoK", "FourK", "Online",
		"MultiSD", "MultiHD", "MultiFHD", "MultiTwoK", "MultiFourK", "MultiOnline"} {
		out[tier] = secs[tier] / 60
		total += secs[tier] / 60
	}
	out["DeductDuration"] = total
	return out, nil
}
