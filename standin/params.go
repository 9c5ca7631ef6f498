package standin

import "encoding/json"

func (c *actionContext) required(name string) (string, *apiError) {
	v, ok := c.p.str(name)
	if !ok || v == "" {
		return "", errf("MissingParameter", "The request is missing a required parameter `%s`.", name)
	}
	return v, nil
}

func (c *actionContext) project() (string, *apiError) {
	id, err := c.required("ProjectId")
	if err != nil {
		return "", err
	}
	for _, p := range c.fleet.Projects {
		if p.ID == id {
			return id, nil
		}
	}
	return "", errf("ResourceNotFound", "The project %q does not exist.", id)
}

// paging reads page number and size; required ones error when missing.
func (c *actionContext) paging(numName string, required bool, defSize int) (int, int, *apiError) {
	num, okNum, err := c.p.int(numName)
	if err != nil {
		return 0, 0, err
	}
	size, okSize, err := c.p.int("PageSize")
	if err != nil {
		return 0, 0, err
	}
	if required && !okNum {
		return 0, 0, errf("MissingParameter", "The request is missing a required parameter `%s`.", numName)
	}
	if required && !okSize {
		return 0, 0, errf("MissingParameter", "The request is missing a required parameter `PageSize`.")
	}
	if !okNum {
		num = 1
	}
	if !okSize || size == 0 {
		size = int64(defSize)
	}
	if num < 1 || size < 1 {
		return 0, 0, errf("InvalidParameterValue", "`%s` and `PageSize` must be positive.", numName)
	}
	maxSize := int64(c.srv.MaxPageSize)
	if maxSize <= 0 {
		maxSize = 100
	}
	return int(num), int(min(size, maxSize)), nil
}

func pageOf[T any](items []T, num, size int) []T {
	start := (num - 1) * size
	if start >= len(items) {
		return []T{}
	}
	return items[start:min(start+size, len(items))]
}

// describeList is the answer of a Describe*List action: a page, the total
// and the page's item count.
func describeList[T any](c *actionContext, field string, all []T, num, size int) map[string]any {
	page := pageOf(all, num, size)
	return map[string]any{field: page, "Total": c.total(len(all)), "Num": len(page)}
}

// projectPage reads the ProjectId and PageNumber/PageSize of a per-project list.
func (c *actionContext) projectPage(pageRequired bool) (string, int, int, *apiError) {
	pid, err := c.project()
	if err != nil {
		return "", 0, 0, err
	}
	num, size, err := c.paging("PageNumber", pageRequired, 10)
	return pid, num, size, err
}

func (c *actionContext) total(n int) any {
	switch {
	case c.fault != nil && c.fault.Kind == FaultTotal:
		return n + c.fault.Delta
	case c.fault != nil && c.fault.Kind == FaultTotalRaw:
		return json.RawMessage(c.fault.Raw)
	}
	return n
}

func (c *actionContext) timeRange() (int64, int64, *apiError) {
	start, _, err := c.p.int("StartTime")
	if err != nil {
		return 0, 0, err
	}
	end, okEnd, err := c.p.int("EndTime")
	if err != nil {
		return 0, 0, err
	}
	if !okEnd || end == 0 {
		end = c.now.Unix()
	}
	if start == 0 {
		start = end - 86400
	}
	if start > end {
		return 0, 0, errf("InvalidParameterValue", "StartTime must not be after EndTime.")
	}
	return start, end, nil
}

// projectWindow reads ProjectId and the StartTime/EndTime window.
func (c *actionContext) projectWindow() (pid string, start, end int64, err *apiError) {
	if pid, err = c.project(); err != nil {
		return "", 0, 0, err
	}
	start, end, err = c.timeRange()
	return pid, start, end, err
}

// projectPageWindow reads ProjectId, the page and the time window of a
// per-project session list.
func (c *actionContext) projectPageWindow() (pid string, num, size int, start, end int64, err *apiError) {
	if pid, num, size, err = c.projectPage(true); err != nil {
		return "", 0, 0, 0, 0, err
	}
	start, end, err = c.timeRange()
	return pid, num, size, start, end, err
}
