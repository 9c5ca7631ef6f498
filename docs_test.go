package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/trro-exporter/trro_exporter/collector"
)

// The flags pages list every flag --help shows, with its default, and no
// flag that is gone: docs/operations.md the exporter's, docs/backfill.md
// those backfill adds to them.
func TestFlagsPageMatchesHelp(t *testing.T) {
	terminate = func(int) {}
	defer func() { terminate = os.Exit }()
	serve := helpFlags(t)
	skip := map[string]bool{"help": true, "help-long": true, "help-man": true, "version": true}
	for _, n := range collector.Names() {
		skip["collector."+n] = true // one row: --[no-]collector.<name>
	}
	own := map[string]string{}
	for name, def := range serve {
		if !skip[name] {
			own[name] = def
		}
	}
	if len(own) < 15 {
		t.Fatalf("only %d flags read from --help", len(own))
	}
	got := pageFlags(t, "docs/operations.md")
	if _, ok := got["collector.<name>"]; !ok {
		t.Error("the flags page has no --[no-]collector.<name> row")
	}
	delete(got, "collector.<name>")
	compareFlags(t, "docs/operations.md", own, got)

	backfill := helpFlags(t, "backfill")
	for name := range serve {
		delete(backfill, name)
	}
	if len(backfill) < 10 {
		t.Fatalf("only %d backfill flags read from backfill --help", len(backfill))
	}
	compareFlags(t, "docs/backfill.md", backfill, pageFlags(t, "docs/backfill.md"))
}

// helpFlags reads the flags and their defaults off --help (of a command).
func helpFlags(t *testing.T, command ...string) map[string]string {
	t.Helper()
	var help bytes.Buffer
	parseFlags(append(command, "--help"), &help)
	flags := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--(?:\[no-\])?([a-z0-9._-]+)(?:=(\S*))?(?:\s|$)`).FindAllStringSubmatch(help.String(), -1) {
		def := strings.Trim(m[2], `"`)
		if regexp.MustCompile(`^[A-Z_]+$`).MatchString(def) {
			def = "" // a placeholder (--label=LABEL), not a default
		}
		flags[m[1]] = def
	}
	return flags
}

// pageFlags reads the flags table of a page's "## Flags" section.
func pageFlags(t *testing.T, path string) map[string]string {
	t.Helper()
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	section := string(page)
	i := strings.Index(section, "## Flags\n")
	if i < 0 {
		t.Fatalf("%s has no Flags section", path)
	}
	section = section[i:]
	if i := strings.Index(section[1:], "\n## "); i >= 0 {
		section = section[:i+1]
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `--(?:\\[no-\\])?([a-z0-9._<>-]+)` \\|([^|]*)\\|").FindAllStringSubmatch(section, -1) {
		got[m[1]] = strings.TrimSpace(m[2])
	}
	return got
}

func compareFlags(t *testing.T, page string, want, got map[string]string) {
	t.Helper()
	for name, def := range want {
		doc, ok := got[name]
		switch {
		case !ok:
			t.Errorf("--%s is in --help but not on %s", name, page)
		case def != "" && !strings.Contains(doc, "`"+def+"`"):
			t.Errorf("--%s: %s says the default is %q, --help %q", name, page, doc, def)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s lists --%s, which --help does not show", page, name)
		}
	}
}
