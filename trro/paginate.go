package trro

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// window is how many pages of one list are asked for at once after the first
// page has told the total; it doubles after each window that came back full.
// It bounds the calls wasted when the total lies, while a long honest list
// needs only a few round trips beyond the rate limit's pace.
const window = 8

// trusted reports whether a list's reported total can say when it ends.
func trusted(total Int) bool { return total.Valid && total.Value > 0 }

// paginate fetches every page of a list. Page 1 tells the total; the rest
// are fetched a window at a time, within the client's rate limit and
// concurrency. With a total above zero, paging ends when the items
// collected reach it or a page comes back empty, and fails past maxPages:
// the API's totals are not always right (its own example reports 3 for 2
// items), so neither a short page nor a total is trusted alone. A total
// that is missing, zero or negative while page 1 holds items is not
// trusted at all: paging goes on until a page is shorter than page 1 or
// empty, and a list still going at maxPages is returned cut short
// (truncated). A list whose pages end before its total is returned as
// truncated too. Any failed page fails the whole list: callers never see
// half a list.
// It stops once limit items are collected (0: no limit); truncated tells
// whether more were reported, or the list was cut short at maxPages.
func paginate[T any](ctx context.Context, action string, pageSize, maxPages, limit int, fetch func(ctx context.Context, page int) ([]T, Int, error)) (items []T, truncated bool, err error) {
	// A page holds at most the items asked for: more is no answer to
	// trust (and no list to keep in memory).
	fetch = checkedPages(action, pageSize, fetch)
	all, total, err := fetch(ctx, 1)
	if err != nil {
		return nil, false, err
	}
	pageLen := max(len(all), 1) // what a full page holds, as page 1 says
	last := len(all)            // the last page's length
	// Without a total, pages go one, then two, four… at a time: the waste
	// past the list's end stays small for short lists.
	next, w, u := 2, int64(window), int64(1)
	for {
		done := len(all) == 0 || last == 0 ||
			trusted(total) && int64(len(all)) >= total.Value || !trusted(total) && last < pageLen
		if limit > 0 && (len(all) > limit || (len(all) == limit && !done)) {
			return all[:limit], true, nil
		}
		if done {
			// A list that ended (an empty page) before the total it
			// reported may have left items out: it is flagged, never
			// silently short.
			return all, trusted(total) && int64(len(all)) < total.Value, nil
		}
		if next > maxPages {
			if !trusted(total) {
				return all, true, nil
			}
			return nil, false, &Error{Action: action, Code: CodeInvalidResponse,
				Message: fmt.Sprintf("still more items after %d pages (reported total disagrees with the items)", maxPages)}
		}
		n := min(u, int64(maxPages-next+1))
		if trusted(total) {
			want := total.Value - int64(len(all))
			if limit > 0 {
				want = min(want, int64(limit-len(all)))
			}
			n = min(w, int64(maxPages-next+1), (want+int64(pageLen)-1)/int64(pageLen))
			w *= 2
		} else {
			u *= 2
		}
		pages, totals, err := fetchPages(ctx, next, int(max(n, 1)), fetch)
		if err != nil {
			return nil, false, err
		}
		next += len(pages)
		for i, p := range pages {
			all, total, last = append(all, p...), totals[i], len(p)
			// An empty page ends the list, whatever the total says; a short
			// one ends a list without a total.
			if last == 0 || !trusted(total) && last < pageLen {
				break
			}
		}
	}
}

// checkedPages wraps fetch to refuse a page of more than pageSize items.
func checkedPages[T any](action string, pageSize int, fetch func(ctx context.Context, page int) ([]T, Int, error)) func(ctx context.Context, page int) ([]T, Int, error) {
	return func(ctx context.Context, page int) ([]T, Int, error) {
		items, total, err := fetch(ctx, page)
		if err == nil && len(items) > pageSize {
			return nil, Int{}, &Error{Action: action, Code: CodeInvalidResponse,
				Message: fmt.Sprintf("page %d holds %d items, more than the %d asked for", page, len(items), pageSize)}
		}
		return items, total, err
	}
}

// fetchPages fetches pages first..first+n-1 at once, in order; the first
// error cancels the others and is the one returned.
func fetchPages[T any](ctx context.Context, first, n int, fetch func(ctx context.Context, page int) ([]T, Int, error)) ([][]T, []Int, error) {
	pages := make([][]T, n)
	totals := make([]Int, n)
	g, ctx := errgroup.WithContext(ctx)
	for i := range n {
		g.Go(func() (err error) {
			pages[i], totals[i], err = fetch(ctx, first+i)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return pages, totals, nil
}
