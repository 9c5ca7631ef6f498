// Package testtool finds the real tools the tests run.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Promtool is the promtool binary: $PROMTOOL, or the one on PATH. A test
// that needs it fails, never skips, without it.
func Promtool(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PROMTOOL"); p != "" {
		return p
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install Debian's prometheus package or set PROMTOOL")
	}
	return p
}
