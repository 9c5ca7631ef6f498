package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Special and huge files are refused at once, never read for ever.
func TestReadFileRefusesWhatIsNotAPlainFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, make([]byte, maxConfigBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.yml")
	os.WriteFile(good, []byte("region: ap-beijing\n"), 0o600)
	for _, c := range []struct{ path, want string }{
		{fifo, "is not a regular file (a named pipe)"},
		{"/dev/zero", "is not a regular file (a device)"},
		{dir, "is not a regular file (a directory)"},
		{big, "more than the 1048576 allowed"},
		{filepath.Join(dir, "missing"), "no such file"},
	} {
		start := time.Now()
		_, err := readFile(c.path, maxConfigBytes)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.path, err, c.want)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%s: refused after %v", c.path, el)
		}
	}
	if b, err := readFile(good, maxConfigBytes); err != nil || string(b) != "region: ap-beijing\n" {
		t.Errorf("good file: %q, %v", b, err)
	}
	// The key file has its own, smaller cap; a FIFO there is refused too.
	for _, path := range []string{fifo, "/dev/zero"} {
		c := Default(Schema{})
		c.Credentials = Credentials{SecretID: "AKIDx", SecretKeyFile: path}
		if _, err := c.Resolve(); err == nil || !strings.Contains(err.Error(), "secret_key_file") || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("key file %s: %v", path, err)
		}
	}
}
