package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/trro-exporter/trro_exporter/collector"
)

// The flags page (docs/operations.md) lists every flag --help shows, with
// its default, and no flag that is gone.
func TestFlagsPageMatchesHelp(t *testing.T) {
	var help bytes.Buffer
	terminate = func(int) {}
	defer func() { terminate = os.Exit }()
	parseFlags([]string{"--help"}, &help)
	skip := map[string]bool{"help": true, "help-long": true, "help-man": true, "version": true}
	for _, n := range collector.Names() {
		skip["collector."+n] = true // one row: --[no-]collector.<name>
	}
	want := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--(?:\[no-\])?([a-z0-9._-]+)(?:=(\S*))?(?:\s|$)`).FindAllStringSubmatch(help.String(), -1) {
		if !skip[m[1]] {
			want[m[1]] = strings.Trim(m[2], `"`)
		}
	}
	if len(want) < 15 {
		t.Fatalf("only %d flags read from --help:\n%s", len(want), help.String())
	}

	page, err := os.ReadFile("docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(page)
	if i := strings.Index(section, "## Flags\n"); i >= 0 {
		section = section[i:]
	}
	if i := strings.Index(section[1:], "\n## "); i >= 0 {
		section = section[:i+1]
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `--(?:\\[no-\\])?([a-z0-9._<>-]+)` \\|([^|]*)\\|").FindAllStringSubmatch(section, -1) {
		got[m[1]] = strings.TrimSpace(m[2])
	}
	if _, ok := got["collector.<name>"]; !ok {
		t.Error("the flags page has no --[no-]collector.<name> row")
	}
	delete(got, "collector.<name>")
	for name, def := range want {
		doc, ok := got[name]
		switch {
		case !ok:
			t.Errorf("--%s is in --help but not on the flags page", name)
		case def != "" && !strings.Contains(doc, "`"+def+"`"):
			t.Errorf("--%s: the flags page says the default is %q, --help %q", name, doc, def)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("the flags page lists --%s, which --help does not show", name)
		}
	}
}
