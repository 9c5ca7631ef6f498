package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trro-exporter/trro_exporter/config"
)

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../config.example.yml"); err == nil {
		f.Add(data)
	}
	files, _ := filepath.Glob("testdata/*.yml")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Add([]byte("credentials:\n  secret_id: AKID\n  secret_key: fuzz-secret-value\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data, known)
		if err != nil {
			// The secret of the seed never shows in an error.
			if strings.Contains(err.Error(), "fuzz-secret-value") {
				t.Fatalf("secret in error: %v", err)
			}
			return
		}
		if err := cfg.Validate(known); err != nil {
			t.Fatalf("parsed config fails validation: %v", err)
		}
	})
}
