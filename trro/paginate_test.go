package trro

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeList is a fake paged list: items split into pages of size, each page
// reporting total (or the per-page totals given), with pages forced empty,
// repeated from another page, or failing.
type fakeList struct {
	items   []int
	size    int
	total   Int
	totals  map[int]Int // per page, overriding total
	empty   map[int]bool
	repeat  map[int]int // page → page whose items it repeats
	fail    int         // page that fails (0: none)
	mu      sync.Mutex
	fetched []int
}

func (l *fakeList) fetch(_ context.Context, page int) ([]int, Int, error) {
	l.mu.Lock()
	l.fetched = append(l.fetched, page)
	l.mu.Unlock()
	if page == l.fail {
		return nil, Int{}, &Error{Action: "List", Code: "InternalError"}
	}
	total := l.total
	if t, ok := l.totals[page]; ok {
		total = t
	}
	if l.empty[page] {
		return nil, total, nil
	}
	src := page
	if r, ok := l.repeat[page]; ok {
		src = r
	}
	lo := min((src-1)*l.size, len(l.items))
	hi := min(lo+l.size, len(l.items))
	return slices.Clone(l.items[lo:hi]), total, nil
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestPaginateUpTo(t *testing.T) {
	cases := []struct {
		name      string
		l         *fakeList
		maxPages  int
		limit     int
		want      int // items returned
		truncated bool
		err       string
		calls     int // pages fetched (0: not checked)
	}{
		{name: "honest total", l: &fakeList{items: seq(250), size: 100, total: IntOf(250)}, maxPages: 100, want: 250, calls: 3},
		{name: "exact pages", l: &fakeList{items: seq(200), size: 100, total: IntOf(200)}, maxPages: 100, want: 200, calls: 2},
		{name: "empty fakeList", l: &fakeList{items: nil, size: 100, total: IntOf(0)}, maxPages: 100, want: 0, calls: 1},
		// The vendor's own example: total 3 for 2 items. An empty page ends
		// it, flagged: the list ended short of its total.
		{name: "total too high", l: &fakeList{items: seq(2), size: 2, total: IntOf(3)}, maxPages: 100, want: 2, truncated: true, calls: 2},
		{name: "total too low", l: &fakeList{items: seq(250), size: 100, total: IntOf(100)}, maxPages: 100, want: 100, calls: 1},
		// Without a total that can be trusted, paging goes on until a short
		// page: one page, then two at a time.
		{name: "total missing", l: &fakeList{items: seq(250), size: 100}, maxPages: 100, want: 250, calls: 4},
		{name: "total zero", l: &fakeList{items: seq(250), size: 100, total: IntOf(0)}, maxPages: 100, want: 250, calls: 4},
		{name: "total negative", l: &fakeList{items: seq(250), size: 100, total: IntOf(-1)}, maxPages: 100, want: 250, calls: 4},
		{name: "total missing, whole pages", l: &fakeList{items: seq(200), size: 100}, maxPages: 100, want: 200, calls: 4},
		// Page 1 sets the page size (the API may cap what was asked for), so
		// one more call tells a fakeList of one page.
		{name: "total missing, one page", l: &fakeList{items: seq(50), size: 100}, maxPages: 100, want: 50, calls: 2},
		// Cut short at the page cap: what was read, and truncated.
		{name: "total missing, page cap", l: &fakeList{items: seq(1000), size: 10}, maxPages: 5, want: 50, truncated: true},
		{name: "empty page mid-fakeList", l: &fakeList{items: seq(500), size: 100, total: IntOf(500), empty: map[int]bool{3: true}}, maxPages: 100, want: 200, truncated: true},
		// Pages shifting under the reader: the repeat is returned, the
		// caller drops duplicates by id.
		{name: "duplicate page", l: &fakeList{items: seq(300), size: 100, total: IntOf(300), repeat: map[int]int{2: 1}}, maxPages: 100, want: 300},
		{name: "page cap", l: &fakeList{items: seq(1000), size: 10, total: IntOf(5000)}, maxPages: 5, err: "still more items after 5 pages"},
		{name: "failed page fails the fakeList", l: &fakeList{items: seq(300), size: 100, total: IntOf(300), fail: 3}, maxPages: 100, err: "InternalError"},
		{name: "failed first page", l: &fakeList{items: seq(300), size: 100, total: IntOf(300), fail: 1}, maxPages: 100, err: "InternalError", calls: 1},
		{name: "limit cuts", l: &fakeList{items: seq(250), size: 100, total: IntOf(250)}, maxPages: 100, limit: 150, want: 150, truncated: true, calls: 2},
		{name: "limit at a page end", l: &fakeList{items: seq(250), size: 100, total: IntOf(250)}, maxPages: 100, limit: 100, want: 100, truncated: true, calls: 1},
		{name: "limit equal to the fakeList", l: &fakeList{items: seq(100), size: 100, total: IntOf(100)}, maxPages: 100, limit: 100, want: 100, calls: 1},
		{name: "limit above the fakeList", l: &fakeList{items: seq(50), size: 100, total: IntOf(50)}, maxPages: 100, limit: 100, want: 50, calls: 1},
		// A later page's total wins: the fakeList grew while it was read.
		{name: "total grows", l: &fakeList{items: seq(300), size: 100, total: IntOf(200), totals: map[int]Int{2: IntOf(300)}}, maxPages: 100, want: 300, calls: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, truncated, err := paginate(context.Background(), "List", c.l.size, c.maxPages, c.limit, c.l.fetch)
			if c.err != "" {
				if err == nil || !contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				if got != nil {
					t.Fatalf("%d items with an error: callers must never see half a fakeList", len(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.want || truncated != c.truncated {
				t.Fatalf("%d items, truncated %v; want %d, %v", len(got), truncated, c.want, c.truncated)
			}
			if c.calls > 0 && len(c.l.fetched) != c.calls {
				t.Errorf("%d pages fetched (%v), want %d", len(c.l.fetched), c.l.fetched, c.calls)
			}
			for i := 1; i < len(got) && c.l.repeat == nil; i++ {
				if got[i] != got[i-1]+1 {
					t.Fatalf("items out of order at %d: %v", i, got[i-1:i+1])
				}
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// The error that failed a window is the one reported, not the
// cancellations it caused.
func TestFetchPagesReportsTheCause(t *testing.T) {
	_, _, err := fetchPages(context.Background(), 2, 8, func(ctx context.Context, page int) ([]int, Int, error) {
		if page == 5 {
			return nil, Int{}, &Error{Action: "List", Code: "ResourceNotFound"}
		}
		<-ctx.Done()
		return nil, Int{}, &Error{Action: "List", Code: CodeCanceled, cause: ctx.Err()}
	})
	var e *Error
	if !errors.As(err, &e) || e.Code != "ResourceNotFound" {
		t.Fatalf("err %v, want the ResourceNotFound that canceled the others", err)
	}
}
