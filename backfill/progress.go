package backfill

import (
	"fmt"
	"strings"
	"time"
)

// progress shows how far the replay is: a bar with an ETA redrawn in
// place on a terminal, otherwise a line every tenth of the way (or
// minute).
type progress struct {
	o        *Options
	accounts int
	start    time.Time
	lastLine time.Time
	lastTen  int
}

func newProgress(o Options, accounts int) *progress {
	return &progress{o: &o, accounts: accounts, start: time.Now(), lastTen: -1}
}

func (p *progress) step(account int, t time.Time, calls int64) {
	if p.o.Progress == nil {
		return
	}
	span := p.o.To.Sub(p.o.From)
	done := (float64(account) + float64(t.Sub(p.o.From))/float64(span)) / float64(p.accounts)
	done = min(max(done, 0), 1)
	elapsed := time.Since(p.start)
	eta := "?"
	if done > 0.001 {
		eta = (time.Duration(float64(elapsed)/done) - elapsed).Round(time.Second).String()
	}
	if p.o.Terminal {
		if time.Since(p.lastLine) < 200*time.Millisecond && done < 1 {
			return
		}
		p.lastLine = time.Now()
		const width = 30
		fill := int(done * width)
		fmt.Fprintf(p.o.Progress, "\r[%s%s] %3.0f%% %s  %d calls  ETA %s   ",
			strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done*100, t.UTC().Format("2006-01-02 15:04"), calls, eta)
		return
	}
	if ten := int(done * 10); ten > p.lastTen || time.Since(p.lastLine) > time.Minute {
		p.lastTen, p.lastLine = ten, time.Now()
		fmt.Fprintf(p.o.Progress, "backfill: %3.0f%%, at %s, %d API calls, ETA %s\n", done*100, t.UTC().Format(time.RFC3339), calls, eta)
	}
}

func (p *progress) done() {
	if p.o.Progress != nil && p.o.Terminal {
		fmt.Fprintln(p.o.Progress)
	}
}
