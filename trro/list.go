package trro

import (
	"encoding/json"
	"fmt"
)

// maxListItems bounds the items of one list in one answer (a page holds at
// most page_size, 1000 at most). The items are counted in the raw bytes
// before any is decoded, so an answer of millions of empty items costs a
// scan, not memory for millions of structs.
const maxListItems = 10000

// list is a JSON array of at most maxListItems items.
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	if n := countItems(b); n > maxListItems {
		return fmt.Errorf("a list of %d items, more than the %d one answer may hold", n, maxListItems)
	}
	return json.Unmarshal(b, (*[]T)(l))
}

// countItems counts the top-level elements of a JSON array (0 for
// anything else), without decoding them.
func countItems(b []byte) int {
	depth, commas, inString, escaped, seen := 0, 0, false, false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		case '[', '{':
			if depth == 0 && c == '{' {
				return 0
			}
			depth++
			if depth == 1 {
				continue // the array itself
			}
		case ']', '}':
			depth--
			continue
		case ',':
			if depth == 1 {
				commas++
				continue
			}
		}
		if depth >= 1 {
			seen = true // something inside the array
		}
	}
	if !seen {
		return 0
	}
	return commas + 1
}
