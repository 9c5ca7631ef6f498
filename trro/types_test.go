package trro

import (
	"encoding/json"
	"testing"
)

func TestParseTime(t *testing.T) {
	cases := map[string]int64{
		"1795689000":                1795689000,
		"1795689000123":             1795689000, // milliseconds
		"2026-11-26 18:30:00":       1795689000, // China Standard Time
		"2026-11-26T10:30:00Z":      1795689000,
		"2026-11-26T18:30:00+08:00": 1795689000,
		" 1795689000 ":              1795689000,
	}
	for in, want := range cases {
		got, ok := ParseTime(in)
		if !ok || got.Unix() != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0", "-5", "yesterday", "2026-11-26", "26/11/2026 10:30", "2026-13-40 99:99:99"} {
		if got, ok := ParseTime(bad); ok {
			t.Errorf("ParseTime(%q) = %v, want not ok", bad, got)
		}
	}
}

func TestIntAndTextDecoding(t *testing.T) {
	var v struct {
		A, B, C, D, E Int
		T, U, W       Text
	}
	if err := json.Unmarshal([]byte(`{"A":5,"B":"6","C":null,"D":"","E":"7.0","T":"2026-11-26 18:30:00","U":1795689000,"W":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != IntOf(5) || v.B != IntOf(6) || v.C.Valid || v.D.Valid || v.E != IntOf(7) {
		t.Fatalf("ints: %+v", v)
	}
	if v.T != "2026-11-26 18:30:00" || v.U != "1795689000" || v.W != "" {
		t.Fatalf("texts: %+v", v)
	}
	for _, bad := range []string{`{"A":"x"}`, `{"A":1.5}`, `{"A":true}`, `{"T":true}`, `{"T":{}}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
