package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"30d":                  now.Add(-30 * 24 * time.Hour),
		"3h":                   now.Add(-3 * time.Hour),
		"2026-11-01":           time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-11-01T08:00:00Z": time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC),
	} {
		if got, err := parseWhen(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-3h", "d", ""} {
		if _, err := parseWhen(bad, now); err == nil {
			t.Errorf("%q taken", bad)
		}
	}
}

// The backfill command: wrong input is named; a dry run on the demo prints
// the budget and writes nothing.
func TestBackfillCommand(t *testing.T) {
	noCredsEnv(t)
	out := filepath.Join(t.TempDir(), "h.om")
	for args, want := range map[string]string{
		"--from yesterday":         `--from: "yesterday" is neither a time`,
		"--from 1h --to 2h":        "--from (",
		"--label bad-name=x":       "--label bad-name: not a label name",
		"--account nope":           "--account nope: no such account",
		"--step 0s":                "--step 0s",
		"--rate-limit 0 --from 5h": "--rate-limit 0",
	} {
		code, _, stderr := runOnce(t, append([]string{"--demo", "backfill", "--output", out}, strings.Fields(args)...)...)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%s: code %d, stderr %q, want %q", args, code, stderr, want)
		}
	}
	code, stdout, stderr := runOnce(t, "--demo", "backfill", "--dry-run", "--from", "2h", "--to", "1h", "--output", out)
	if code != 0 || !strings.Contains(stderr, "backfill budget:") || !strings.Contains(stdout, "dry run:") {
		t.Fatalf("dry run: code %d\n%s\n%s", code, stdout, stderr)
	}
	for _, p := range []string{out, out + ".work"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a dry run left %s", p)
		}
	}
}
