package standin

import (
	"testing"
	"time"
)

// A congested session stutters in about a third of its seconds, on each of
// its devices, and not in long runs: each second's values are drawn
// afresh, so five minutes of it always show gaps.
func TestStutterEverySecondDrawn(t *testing.T) {
	start := time.Date(2026, 12, 3, 21, 15, 0, 0, time.UTC).Unix()
	for _, id := range []string{"sess-e2e-bad", "sess-a", "sess-b"} {
		s := Session{ID: id, ProjectID: "p", FieldDeviceID: "f", RemoteDeviceID: "r", StartTime: start, EndTime: start + 3600, Quality: "bad"}
		for _, d := range sessionDetails(s, start, start+3599, start+3600) {
			lags := d["Lag100Duration"].([]any)
			stutters, longest, run := 0, 0, 0
			for _, v := range lags {
				if v.(int64) > 0 {
					stutters, run = stutters+1, run+1
					longest = max(longest, run)
				} else {
					run = 0
				}
			}
			share := float64(stutters) / float64(len(lags))
			if share < 0.25 || share > 0.42 || longest > 15 {
				t.Errorf("%s %s: stutters in %.0f%% of %d seconds, longest run %d s", id, d["DeviceType"], share*100, len(lags), longest)
			}
		}
	}
}
