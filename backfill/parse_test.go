package backfill

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

type sample struct {
	ts int64
	v  float64
}

// parsed is an OpenMetrics output read back: each series' samples in file
// order, and how often each family's HELP and TYPE came.
type parsed struct {
	series map[string][]sample // name{labels} → samples
	types  map[string]string
	helps  map[string]int
	eof    bool
}

func parseOutput(t *testing.T, path string) parsed {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := parsed{series: map[string][]sample{}, types: map[string]string{}, helps: map[string]int{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p.eof {
			t.Fatalf("a line after # EOF: %q", line)
		}
		switch {
		case line == "# EOF":
			p.eof = true
		case strings.HasPrefix(line, "# HELP "):
			p.helps[strings.Fields(line)[2]]++
		case strings.HasPrefix(line, "# TYPE "):
			fs := strings.Fields(line)
			if _, dup := p.types[fs[2]]; dup {
				t.Errorf("TYPE of %s twice", fs[2])
			}
			p.types[fs[2]] = fs[3]
		default:
			i := strings.LastIndexByte(line, '}')
			fs := strings.Fields(line[i+1:])
			if i < 0 || len(fs) != 2 {
				t.Fatalf("not a sample with a timestamp: %q", line)
			}
			v, err1 := strconv.ParseFloat(fs[0], 64)
			ts, err2 := strconv.ParseInt(fs[1], 10, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("bad sample %q", line)
			}
			p.series[line[:i+1]] = append(p.series[line[:i+1]], sample{ts, v})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return p
}

// at is a series' value at ts (false: no sample then).
func (p parsed) at(series string, ts int64) (float64, bool) {
	for _, s := range p.series[series] {
		if s.ts == ts {
			return s.v, true
		}
	}
	return 0, false
}

// sumAt sums the samples at ts of the series whose name and labels hold
// every part.
func (p parsed) sumAt(ts int64, parts ...string) (float64, int) {
	var total float64
	n := 0
	for k := range p.series {
		ok := true
		for _, part := range parts {
			ok = ok && strings.Contains(k, part)
		}
		if !ok {
			continue
		}
		if v, found := p.at(k, ts); found {
			total += v
			n++
		}
	}
	return total, n
}
