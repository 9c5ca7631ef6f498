package trro

import (
	"context"
	"strings"
	"testing"
)

func TestCountItems(t *testing.T) {
	for in, want := range map[string]int{
		`[]`: 0, ` [ ] `: 0, `null`: 0, `{}`: 0, `[{}]`: 1, `[{},{}]`: 2, `[1, 2, 3]`: 3,
		`["a,b", "c]"]`: 2, `[{"x":[1,2,{"y":","}]}, "\"],"]`: 2, `[[],[[]]]`: 2,
	} {
		if got := countItems([]byte(in)); got != want {
			t.Errorf("countItems(%s) = %d, want %d", in, got, want)
		}
	}
}

// An answer of millions of empty items is refused after a scan of its
// bytes, before any item is decoded; a page of more items than asked for
// is refused too.
func TestListsAreBounded(t *testing.T) {
	huge := `{"Response":{"Devices":[` + strings.Repeat("{},", 1_000_000) + `{}],"TotalCount":1,"RequestId":"r"}}`
	if _, e := decode[getDevicesResponse]("GetDevices", []byte(huge)); e == nil || e.Code != CodeInvalidResponse || !strings.Contains(e.Message, "1000001 items") {
		t.Fatalf("huge list: %v", e)
	}
	over := func(page int) ([]int, Int, error) { return make([]int, 150), IntOf(150), nil }
	_, _, err := paginate(t.Context(), "List", 100, 10, 0, func(_ context.Context, page int) ([]int, Int, error) { return over(page) })
	if e, ok := AsError(err); !ok || e.Code != CodeInvalidResponse || !strings.Contains(e.Message, "150 items, more than the 100 asked for") {
		t.Fatalf("oversized page: %v", err)
	}
}
