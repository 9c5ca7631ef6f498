package main

import (
	"strings"
	"testing"

	"github.com/trro-exporter/trro_exporter/trro"
)

func TestSameCalls(t *testing.T) {
	scrape := map[string]int{trro.ActionDescribeRecentSessionList: 109, trro.ActionDescribeDeviceSessionDetails: 1990}
	for _, tc := range []struct {
		name   string
		client map[string]int
		fails  string // "" when the calls agree
	}{
		{"equal", map[string]int{trro.ActionDescribeRecentSessionList: 109, trro.ActionDescribeDeviceSessionDetails: 1990}, ""},
		{"window moved on", map[string]int{trro.ActionDescribeRecentSessionList: 107, trro.ActionDescribeDeviceSessionDetails: 1990}, ""},
		{"list longer later", map[string]int{trro.ActionDescribeRecentSessionList: 110, trro.ActionDescribeDeviceSessionDetails: 1990}, "110 DescribeRecentSessionList calls, a scrape 109"},
		{"details differ", map[string]int{trro.ActionDescribeRecentSessionList: 109, trro.ActionDescribeDeviceSessionDetails: 1986}, "1986 DescribeDeviceSessionDetails calls, a scrape 1990"},
		{"action missing", map[string]int{trro.ActionDescribeRecentSessionList: 109}, "0 DescribeDeviceSessionDetails calls"},
		{"extra action", map[string]int{trro.ActionDescribeRecentSessionList: 109, trro.ActionDescribeDeviceSessionDetails: 1990, trro.ActionGetLicenses: 1}, "1 GetLicenses calls, a scrape 0"},
	} {
		err := sameCalls(tc.client, scrape)
		switch {
		case tc.fails == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.fails != "" && (err == nil || !strings.Contains(err.Error(), tc.fails)):
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.fails)
		}
	}
}
