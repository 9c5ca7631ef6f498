package standin

import (
	"fmt"
	"strconv"
	"strings"
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
		if s.ID != sid {
			continue
		}
		if kept := c.srv.DetailsKept; kept > 0 && s.EndTime < c.now.Add(-kept).Unix() {
			return nil, errf("ResourceNotFound", "The details of session %q are no longer kept.", sid)
		}
		return map[string]any{"Details": sessionDetails(s, start, end, c.now.Unix())}, nil
	}
	return nil, errf("ResourceNotFound", "The session %q does not exist.", sid)
}

// maxDetailPoints is the most points one answer holds.
const maxDetailPoints = 600

// sessionDetails are the per-second series of s's two devices for points
// within [start, end], as the API serves them: the window reaches a few
// seconds before start (answers overlap), a point is missing now and then
// and a value null; values follow the session's quality, and every third
// device has two network links. The field device reports capture and
// encode, the console decode and render (some consoles under the
// deprecated spelling RenderConst). A bad session shows congestion: NACKs
// up, the bandwidth estimate down to the bitrate, the stream fallen back
// to a lower resolution.
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
		out = append(out, deviceDetails(s, dev.typ, dev.id, quality, from, to))
	}
	return out
}

// A device skips one second in missingEvery, and one VideoLatency value in
// nullEvery is null (by the point's hash).
const missingEvery, nullEvery = 41, 29

func pointHash(s Session, typ string, t int64) uint64 {
	return mix(hash(s.ID, typ, strconv.FormatInt(t, 10)))
}

// mix spreads every bit of h over all of them (splitmix64's finalizer).
// FNV alone leaves the high bits of consecutive seconds alike, so a field
// drawn from them (a stutter, a frame rate) held for minutes on end.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

// VideoLatencyPoints counts the VideoLatency values (not null) the fleet's
// sessions serve for seconds in (from, to], as of now: what an exporter
// that counts every point once observes in that time.
func (f *Fleet) VideoLatencyPoints(from, to, now int64) int {
	n := 0
	for _, s := range f.Sessions {
		last := s.EndTime
		if last == 0 || last > now {
			last = now
		}
		for _, typ := range []string{"field", "remote"} {
			for t := max(s.StartTime, from+1); t <= min(last, to); t++ {
				if h := pointHash(s, typ, t); h%missingEvery != 0 && h%nullEvery != 0 {
					n++
				}
			}
		}
	}
	return n
}

// deviceDetails is one device's series of s from from to to.
func deviceDetails(s Session, typ, id, quality string, from, to int64) map[string]any {
	var offsets []int64
	cols := map[string][]any{}
	multi := hash(id, "multi")%3 == 0
	links := [2]map[string][]any{{}, {}}
	for t := from; t <= to; t++ {
		h := pointHash(s, typ, t)
		if h%missingEvery == 0 {
			continue // a second the device did not report
		}
		offsets = append(offsets, t-from)
		p := detailPoint(quality, h)
		stages(p, typ, s.SlowRender, h)
		for i := range links {
			lh := mix(hash(s.ID, id, strconv.Itoa(i), strconv.FormatInt(t, 10)))
			lp := detailPoint(quality, lh)
			links[i]["Rtt"] = append(links[i]["Rtt"], lp["NetworkLatency"])
			links[i]["Lost"] = append(links[i]["Lost"], lp["Lost"])
			links[i]["SendBps"] = append(links[i]["SendBps"], lp["Rate"])
			links[i]["RecvBps"] = append(links[i]["RecvBps"], 64)
		}
		p["TotalBitrateEstimate"] = p["BitRateEstimate"]
		if multi {
			p["TotalBitrateEstimate"] = p["BitRateEstimate"].(int64) * 9 / 5
		}
		for k, v := range p {
			cols[k] = append(cols[k], v)
		}
		if h%nullEvery == 0 {
			cols["VideoLatency"][len(cols["VideoLatency"])-1] = nil
		}
	}
	if typ == "remote" && hash(id, "spelling")%2 == 0 {
		cols["RenderConst"], cols["RenderCost"] = cols["RenderCost"], nil
		delete(cols, "RenderCost")
	}
	d := map[string]any{"DeviceType": typ, "DeviceId": id, "ProjectId": s.ProjectID, "SessionId": s.ID,
		"StartTime": from, "EndTime": to, "TimeOffset": offsets, "MultiMode": 0, "MultiNet": nil}
	for k, v := range cols {
		d[k] = v
	}
	for k, v := range deviceScalars(s, id, quality) {
		d[k] = v
	}
	if multi {
		d["MultiMode"] = 1
		var nets []map[string]any
		for i, l := range links {
			nets = append(nets, map[string]any{"NetId": i + 1, "NetIp": fmt.Sprintf("10.%d.0.%d", i+1, hash(id)%250+2),
				"Rtt": l["Rtt"], "Lost": l["Lost"], "SendBps": l["SendBps"], "RecvBps": l["RecvBps"]})
		}
		d["MultiNet"] = nets
	}
	return d
}

// stages keeps the pipeline stages the device runs: capture and encode on
// the field device, decode and render on the console, which takes 60 to
// 120 ms a frame when it renders slowly.
func stages(p map[string]any, typ string, slowRender bool, h uint64) {
	if typ == "field" {
		delete(p, "DecodeCost")
		delete(p, "RenderCost")
		return
	}
	delete(p, "CaptureCost")
	delete(p, "EncodeCost")
	if slowRender {
		p["RenderCost"] = 60 + int64(h>>56%60)
	}
}

// deviceScalars are what an answer says of a device as a whole: its video
// size (a bad session's stream fell back to two thirds of each side), its
// SDK version and mode.
func deviceScalars(s Session, id, quality string) map[string]any {
	w, hgt := int64(1920), int64(1080)
	if ws, hs, ok := strings.Cut(s.Resolution, "*"); ok {
		w, _ = strconv.ParseInt(ws, 10, 64)
		hgt, _ = strconv.ParseInt(hs, 10, 64)
	}
	sw, sh := w, hgt
	if quality == "bad" {
		sw, sh = w*2/3, hgt*2/3
	}
	h := hash(id, "sdk")
	return map[string]any{"Width": sw, "Height": sh, "ConfigWidth": w, "ConfigHeight": hgt,
		"Ver": []string{"3.2.1", "3.2.1", "3.1.4"}[h%3], "SdkMode": []string{"server", "server", "p2p"}[h>>8%3]}
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
	p := make(map[string]any, 24) // its fields: no growing
	p["CpuUsed"], p["MemUsed"] = float64(20+r(40, 40))+0.5, float64(30+r(44, 30))+0.25
	p["EncodeCost"], p["DecodeCost"], p["CaptureCost"], p["RenderCost"] = 5+r(48, 10), 3+r(50, 8), 2+r(52, 5), 4+r(54, 6)
	var lag100, lag150 int64
	switch quality {
	case "bad":
		p["VideoLatency"], p["NetworkLatency"], p["ControlLatency"] = 180+r(0, 300), 120+r(8, 200), 140+r(16, 250)
		p["Lost"], p["Fps"], p["Rate"] = float64(3+r(24, 12))+0.5, 8+r(28, 12), 800+r(32, 1200)
		if r(36, 3) == 0 {
			lag100, lag150 = 350, 300 // stutters: a gap over 200 ms
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
	// Frames every 1000/Fps ms; a gap is a frame late by up to the stutter.
	fps := p["Fps"].(int64)
	p["FrameDelta"] = 1000 / fps
	p["MaxFrameDelta"] = 1000/fps + r(12, 15) + max(lag100, lag150)/2
	switch quality {
	case "bad": // congested: retransmissions, no headroom
		p["NACK"], p["BitRateEstimate"] = 30+r(20, 170), p["Rate"].(int64)*21/20
	case "normal":
		p["NACK"], p["BitRateEstimate"] = 2+r(20, 18), p["Rate"].(int64)*6/5
	default:
		p["NACK"], p["BitRateEstimate"] = r(20, 4), p["Rate"].(int64)*2
	}
	p["Lag100Duration"], p["Lag150Duration"] = lag100, lag150
	return p
}

// usageTiers maps a session's resolution to the GetTotalDuration field its
// minutes count in; other resolutions count as SD.
var usageTiers = map[string]string{
	"640*480": "SD", "960*540": "SD", "1280*720": "HD", "1920*1080": "FHD", "2560*1440": "TwoK", "3840*2160": "FourK",
}

// billedPerMinute is what a minute of each tier deducts, as the billing
// page documents it (online time of both devices × 1; all × 1.2 on
// multi-network, which the stand-in's sessions do not use).
var billedPerMinute = map[string]int64{"SD": 3, "HD": 5, "FHD": 12, "TwoK": 24, "FourK": 48, "Online": 1}

// getTotalDuration answers the minutes of use of a project's sessions (of
// one device, if asked) within [StartTime, EndTime], by tier, as whole
// minutes; Online is both devices' time online in session; DeductDuration
// is the billed figure, after the multipliers.
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
			secs["Online"] += 2 * d
		}
	}
	out := map[string]any{}
	var total int64
	for _, tier := range []string{"Voice", "SD", "HD", "FHD", "TwoK", "FourK", "Online",
		"MultiSD", "MultiHD", "MultiFHD", "MultiTwoK", "MultiFourK", "MultiOnline"} {
		out[tier] = secs[tier] / 60
		total += secs[tier] / 60 * billedPerMinute[tier]
	}
	out["DeductDuration"] = total
	return out, nil
}
